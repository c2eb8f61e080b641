/**
 * `kas simulate`: replays a traffic trace through the emulated system for each policy, computes the
 * baselines, and prints / writes the comparison. Argument parsing belongs to the `kas` program
 * (src/cli/commands/simulate.ts); `runSimulate` is the testable core.
 */
import cliProgress from 'cli-progress';
import { z } from 'zod';
import { POLICIES, type PolicyName } from '../autoscaler/config.js';
import { baselines } from './baselines.js';
import { DEFAULT_RESHARDING_MS, DEFAULT_STEP_SECONDS, runPolicy } from './loop.js';
import { simulationPackage } from './package.js';
import { policyConfig, type PolicyConfig } from './policies.js';
import { writeReport } from './report.js';
import { renderTable, summarize, type Figures } from './summary.js';
import { DUPLICATE_RULES, demandSeries, readTrace, type DemandSeries } from './trace.js';
import type { RunResult } from './types.js';

export const simulateOptionsSchema = z.object({
  trace: z.string().min(1),
  peakMibps: z.number().positive().finite(),
  recordKib: z.number().positive().max(1024).default(1),
  policy: z.enum([...POLICIES, 'all']).default('all'),
  out: z.string().min(1).optional(),
  json: z.boolean().default(false),
  reshardingSeconds: z
    .number()
    .min(0)
    .max(3600)
    .default(DEFAULT_RESHARDING_MS / 1000),
  /** A folder from `sls package --stage local`, to skip packaging. */
  packageDir: z.string().min(1).optional(),
  /** Consumers reading every record once (on-demand bills each GB they read). */
  consumers: z.number().int().min(0).max(20).default(1),
  /** How samples that share a timestamp are merged. */
  duplicates: z.enum(DUPLICATE_RULES).default('max'),
});

export type SimulateOptions = z.input<typeof simulateOptionsSchema>;

export interface SimulateIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

export interface SimulateResult {
  trace: string;
  minutes: number;
  runs: RunResult[];
  figures: Figures[];
}

export interface SimulateTraceOptions {
  policies: readonly PolicyConfig[];
  packageDir: string;
  reshardingMs?: number;
  stepSeconds?: number;
  /** Minutes simulated so far across all policies, for a progress bar. */
  onProgress?: (done: number) => void;
  consumers?: number;
}

/** Every policy through the loop, then the baselines; policies run one after another. */
export async function simulateTrace(
  demand: DemandSeries,
  opts: SimulateTraceOptions,
): Promise<{ runs: RunResult[]; figures: Figures[] }> {
  const runs: RunResult[] = [];
  let done = 0;
  for (const policy of opts.policies) {
    runs.push(
      await runPolicy({
        demand,
        policy,
        packageDir: opts.packageDir,
        ...(opts.reshardingMs !== undefined ? { reshardingMs: opts.reshardingMs } : {}),
        ...(opts.stepSeconds !== undefined ? { stepSeconds: opts.stepSeconds } : {}),
        onMinute: (i) => opts.onProgress?.(done + i),
      }),
    );
    done += demand.minutes;
  }
  runs.push(...baselines(demand));
  return { runs, figures: summarize(runs, { consumers: opts.consumers ?? 1 }) };
}

export function settingsLines(
  demand: DemandSeries,
  opts: { recordKib: number; reshardingMs: number; consumers?: number },
): string[] {
  const days = (demand.minutes / 1440).toFixed(1);
  return [
    `trace ${demand.name}: ${demand.minutes.toLocaleString('en-US')} minutes (${days} days) from ${new Date(demand.startMs).toISOString()}`,
    `scaled so its peak is ${demand.peakMiBps} MiB/s of ${opts.recordKib} KiB records`,
    `resharding takes ${opts.reshardingMs / 1000} s; traffic is offered in ${DEFAULT_STEP_SECONDS} s steps`,
    `${opts.consumers ?? 1} consumer(s) read every record (billed on demand; included in provisioned shard-hours)`,
  ];
}

export async function runSimulate(
  options: SimulateOptions,
  io: SimulateIo,
): Promise<SimulateResult> {
  const o = simulateOptionsSchema.parse(options);
  const trace = await readTrace(o.trace, { duplicates: o.duplicates });
  for (const w of trace.warnings) io.stderr.write(`warning: ${o.trace}: ${w}\n`);
  const demand = demandSeries(trace, { peakMiBps: o.peakMibps, recordKiB: o.recordKib });
  const names: PolicyName[] = o.policy === 'all' ? [...POLICIES] : [o.policy];
  const policies = names.map(policyConfig);
  const reshardingMs = o.reshardingSeconds * 1000;

  const showProgress = !o.json && io.stderr.isTTY === true;
  const bar = showProgress
    ? new cliProgress.SingleBar(
        {
          stream: io.stderr as NodeJS.WritableStream,
          format: 'simulating {bar} {percentage}% | {value}/{total} policy-minutes | eta {eta}s',
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const packageDir = await simulationPackage(o.packageDir);
  bar?.start(demand.minutes * policies.length, 0);
  let shown = 0;
  let result: { runs: RunResult[]; figures: Figures[] };
  try {
    result = await simulateTrace(demand, {
      policies,
      packageDir,
      reshardingMs,
      consumers: o.consumers,
      onProgress: (done) => {
        // Redrawing every minute of a 55-day trace would cost more than simulating it.
        if (done - shown >= 500 || done === demand.minutes * policies.length) {
          shown = done;
          bar?.update(done);
        }
      },
    });
  } finally {
    bar?.stop();
  }

  const { runs, figures } = result;
  const settings = settingsLines(demand, {
    recordKib: o.recordKib,
    reshardingMs,
    consumers: o.consumers,
  });
  if (o.json) {
    io.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  } else {
    io.stdout.write(`${settings.join('\n')}\n${renderTable(figures)}\n`);
    for (const run of runs) {
      for (const w of run.warnings ?? []) io.stderr.write(`warning (${run.label}): ${w}\n`);
    }
  }
  if (o.out) {
    const written = await writeReport(
      o.out,
      { title: `kinesis-autoscaler simulation: ${demand.name}`, settings, runs, figures },
      { settings, figures },
    );
    if (!o.json) io.stdout.write(`wrote ${written.json} and ${written.html}\n`);
  }
  return { trace: demand.name, minutes: demand.minutes, runs, figures };
}
