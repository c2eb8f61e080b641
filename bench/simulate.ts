/**
 * Policy benchmark: every trace in data/traces/ at one scale, through every policy and baseline.
 * Prints the tables and writes bench/results/simulation.md (committed) with the figures, the
 * simulation speed per policy per trace and the goals checked against the measurements.
 *
 *   npx tsx bench/simulate.ts [--traces a,b] [--policies ours,seed] [--out FILE] [--package-dir DIR]
 *   npx tsx bench/simulate.ts --tune            # also runs the tunings of `ours` in TUNINGS
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { POLICIES } from '../src/autoscaler/config.js';
import { baselines } from '../src/simulation/baselines.js';
import { settingsLines } from '../src/simulation/cli.js';
import { DEFAULT_RESHARDING_MS, runPolicy } from '../src/simulation/loop.js';
import { simulationPackage } from '../src/simulation/package.js';
import { oursPolicy, policyConfig, type PolicyConfig } from '../src/simulation/policies.js';
import { markdownTable, renderTable, summarize, type Figures } from '../src/simulation/summary.js';
import { demandSeries, readTrace } from '../src/simulation/trace.js';
import type { RunResult } from '../src/simulation/types.js';

/** The documented scale: every trace's peak becomes 40 MiB/s of 1 KiB records (40 shards' worth). */
export const PEAK_MIBPS = 40;
export const RECORD_KIB = 1;
const ROOT = join(import.meta.dirname, '..');
const TRACE_DIR = join(ROOT, 'data', 'traces');

/**
 * Candidate defaults for `ours`, each a change of alarm settings or tags only: every lever off in
 * turn (and all of them, the reactive rule of the first version), and the horizon and targets tried.
 */
export const TUNINGS: PolicyConfig[] = [
  oursPolicy({
    label: 'ours/reactive',
    scaling: { headroom: false, forecast: false, budget: false, targetUtilization: 0.5 },
  }),
  oursPolicy({ label: 'ours/no-headroom', scaling: { headroom: false } }),
  oursPolicy({ label: 'ours/no-forecast', scaling: { forecast: false } }),
  oursPolicy({ label: 'ours/no-budget', scaling: { budget: false } }),
  oursPolicy({ label: 'ours/forecast-120', scaling: { forecastMinutes: 120 } }),
  oursPolicy({ label: 'ours/target-0.5', scaling: { targetUtilization: 0.5 } }),
  oursPolicy({
    label: 'ours/up-2of2',
    scaleUp: { evaluationPeriods: 2, datapointsToAlarm: 2 },
  }),
];

interface TraceResult {
  trace: string;
  settings: string[];
  figures: Figures[];
}

const program = new Command()
  .option('--traces <names>', 'comma-separated trace names (file names without .csv)')
  .option('--policies <names>', `comma-separated policies (${POLICIES.join(', ')})`)
  .option('--tune', 'also run the candidate tunings of ours', false)
  .option('--out <file>', 'markdown results file', join(ROOT, 'bench', 'results', 'simulation.md'))
  .option('--package-dir <dir>', 'reuse an `sls package --stage local` output folder')
  .option(
    '--json <file>',
    'also write the figures as JSON after every trace, for --merge (to split a run over processes)',
  )
  .option(
    '--merge <files>',
    'simulate nothing: write --out from the comma-separated --json files of processes that ran parts of the benchmark (their policy rows together, the baselines once)',
  )
  .option(
    '--parallel <n>',
    "traces simulated at once (more than 1 overlaps one run's Lambda waits with another's emulator work, but the speed figures then share the CPU)",
    (v) => Math.max(1, Number.parseInt(v, 10) || 1),
    1,
  )
  .parse();
const opts = program.opts<{
  traces?: string;
  policies?: string;
  tune: boolean;
  out: string;
  packageDir?: string;
  parallel: number;
  json?: string;
  merge?: string;
}>();

const files = (await readdir(TRACE_DIR)).filter((f) => f.endsWith('.csv')).sort();
const wanted = opts.traces?.split(',').map((s) => s.trim());
const traces = files.filter((f) => !wanted || wanted.includes(f.replace(/\.csv$/, '')));
const policies: PolicyConfig[] = (
  opts.policies
    ? opts.policies.split(',').map((s) => s.trim() as (typeof POLICIES)[number])
    : [...POLICIES]
).map(policyConfig);
if (opts.tune) policies.push(...TUNINGS);

/** The 1-minute load average at the start, so the wall-clock speeds can be read against it. */
const loadAtStart = loadavg()[0]!;

/** What a --json file holds: one process's part of the benchmark. */
interface PartFile {
  policies: { label: string; description: string }[];
  traces: TraceResult[];
  expectedTraces: string[];
  parallel: number;
  load: string;
}

if (opts.merge) {
  await mergeParts(opts.merge.split(',').map((s) => s.trim()));
  process.exit(0);
}
const packageDir = await simulationPackage(opts.packageDir);
async function simulateFile(file: string): Promise<TraceResult> {
  const trace = await readTrace(join(TRACE_DIR, file));
  for (const w of trace.warnings) process.stderr.write(`warning: ${file}: ${w}\n`);
  const demand = demandSeries(trace, { peakMiBps: PEAK_MIBPS, recordKiB: RECORD_KIB });
  const runs: RunResult[] = [];
  for (const policy of policies) {
    const run = await runPolicy({ demand, policy, packageDir });
    process.stderr.write(
      `${demand.name}: ${policy.label}, ${demand.minutes} minutes in ${Math.round(run.wallMs!)} ms (${Math.round(run.cpuMs!)} ms CPU)\n`,
    );
    for (const w of run.warnings ?? []) process.stderr.write(`  warning: ${w}\n`);
    runs.push(run);
  }
  runs.push(...baselines(demand));
  const figures = summarize(runs);
  const settings = settingsLines(demand, {
    recordKib: RECORD_KIB,
    reshardingMs: DEFAULT_RESHARDING_MS,
  });
  process.stdout.write(`\n${settings.join('\n')}\n${renderTable(figures)}\n`);
  return { trace: demand.name, settings, figures };
}

const results: TraceResult[] = new Array<TraceResult>(traces.length);
let nextTrace = 0;
await Promise.all(
  Array.from({ length: Math.min(opts.parallel, traces.length) }, async () => {
    while (nextTrace < traces.length) {
      const i = nextTrace++;
      results[i] = await simulateFile(traces[i]!);
      // Written after every trace, so a long run that is cut short still leaves its results.
      const done = results.filter((r) => r !== undefined);
      await writeResults(done, {
        policies,
        expectedTraces: traces.length,
        speedNote:
          opts.parallel > 1
            ? `; ${opts.parallel} traces ran at once in this process, so each wall figure shares the CPU and each CPU figure counts the other run's work too`
            : '',
        load: loadNote(),
      });
      if (opts.json) {
        const part: PartFile = {
          policies: policies.map((p) => ({ label: p.label, description: p.description })),
          traces: done,
          expectedTraces: traces.map((f) => f.replace(/\.csv$/, '')),
          parallel: opts.parallel,
          load: loadNote(),
        };
        await writeFile(opts.json, JSON.stringify(part, null, 1));
      }
    }
  }),
);

/** The goals of issue 9 for `ours`, checked on this yardstick. */
function goals(r: TraceResult): string[] {
  const by = (label: string) => r.figures.find((f) => f.label === label);
  const ours = by('ours');
  if (!ours) return [];
  const lines: string[] = [];
  const check = (ok: boolean, text: string) =>
    lines.push(`- ${ok ? 'met' : '**missed**'}: ${text}`);
  const pct = (f: Figures) => `${f.throttledPercent.toFixed(3)}%`;
  const usd = (f: Figures) => `$${f.costUsd.toFixed(2)}`;
  for (const peer of ['seed', 'double-halve']) {
    const p = by(peer);
    if (!p) continue;
    check(
      ours.throttledRecords < p.throttledRecords,
      `ours loses fewer records than ${peer} (${pct(ours)} vs ${pct(p)})`,
    );
  }
  const seed = by('seed');
  if (seed)
    check(ours.costUsd < seed.costUsd, `ours costs less than seed (${usd(ours)} vs ${usd(seed)})`);
  const dh = by('double-halve');
  if (dh) {
    check(
      ours.costUsd <= dh.costUsd || dh.throttledRecords >= 3 * ours.throttledRecords,
      `ours costs no more than double-halve unless it loses 3x as many records (${usd(ours)} vs ${usd(dh)}; ${pct(ours)} vs ${pct(dh)})`,
    );
  }
  if (ours.costVsOnDemand !== null) {
    check(
      ours.costVsOnDemand <= 0.5,
      `ours costs at most 0.5x on-demand (${ours.costVsOnDemand.toFixed(2)}x)`,
    );
  }
  if (ours.costVsBound !== null) {
    check(
      ours.costVsBound <= 1.3,
      `ours costs at most 1.3x the bound (${ours.costVsBound.toFixed(2)}x)`,
    );
  }
  return lines;
}

function speed(x: number | null): string {
  return x === null ? '–' : `${Math.round(x).toLocaleString('en-US')}x`;
}

function loadNote(): string {
  return `${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end`;
}

/**
 * Joins the parts of a benchmark run by several processes at once: each trace's policy rows from
 * every part (in the order of POLICIES), its baselines from the first part that has the trace
 * (baselines come from the trace alone, so every part computes the same ones).
 */
async function mergeParts(paths: string[]): Promise<void> {
  const parts = await Promise.all(
    paths.map(async (p) => JSON.parse(await readFile(p, 'utf8')) as PartFile),
  );
  const order = (label: string) => {
    const i = (POLICIES as readonly string[]).indexOf(label);
    return i < 0 ? POLICIES.length : i;
  };
  // What the whole run was meant to cover (--traces / --policies, by default everything), so a
  // part that never wrote a trace still shows as missing.
  const policyList = [
    ...new Map(
      [...policies, ...parts.flatMap((p) => p.policies)].map((p) => [
        p.label,
        { label: p.label, description: p.description },
      ]),
    ).values(),
  ].sort((a, b) => order(a.label) - order(b.label));
  const expected = [
    ...new Set([
      ...traces.map((f) => f.replace(/\.csv$/, '')),
      ...parts.flatMap((p) => p.expectedTraces),
    ]),
  ].sort();
  const merged: TraceResult[] = [];
  const missing: string[] = [];
  for (const trace of expected) {
    const found = parts.flatMap((p) => p.traces.filter((t) => t.trace === trace));
    if (found.length === 0) continue;
    const rows = found
      .flatMap((t) => t.figures.filter((f) => f.kind === 'policy'))
      .sort((a, b) => order(a.label) - order(b.label));
    for (const p of policyList) {
      if (!rows.some((f) => f.label === p.label)) missing.push(`${trace}: ${p.label}`);
    }
    merged.push({
      trace,
      settings: found[0]!.settings,
      figures: [...rows, ...found[0]!.figures.filter((f) => f.kind !== 'policy')],
    });
  }
  await writeResults(merged, {
    policies: policyList,
    expectedTraces: expected.length,
    speedNote: `; ${parts.length} processes ran parts of it at once (${parts.map((p) => `${p.policies.map((q) => q.label).join('+')} on ${p.expectedTraces.length} trace${p.expectedTraces.length === 1 ? '' : 's'}`).join('; ')}), so the wall figures share the machine between them; each CPU figure is its own process's`,
    load: parts.map((p) => p.load).join('; '),
    missing,
  });
}

async function writeResults(
  results: TraceResult[],
  meta: {
    policies: { label: string; description: string }[];
    expectedTraces: number;
    speedNote: string;
    load: string;
    missing?: string[];
  },
): Promise<void> {
  const { policies } = meta;
  const speedRows = results.flatMap((r) =>
    r.figures
      .filter((f) => f.simulationSpeed !== null)
      .map(
        (f) =>
          `| ${r.trace} | ${f.label} | ${speed(f.simulationSpeed)} | ${speed(f.simulationSpeedCpu)} | ${Math.min(f.simulationSpeed!, f.simulationSpeedCpu ?? Infinity) >= 100_000 ? 'yes' : f.simulationSpeedCpu !== null && f.simulationSpeedCpu >= 100_000 ? 'CPU only' : 'no'} |`,
      ),
  );

  const md = `# Simulation benchmark

Generated by \`npm run bench\` (\`tsx bench/simulate.ts\`${opts.tune ? ' --tune' : ''}) on ${new Date().toISOString().slice(0, 10)}.
Every trace in \`data/traces/\` is scaled so its peak is **${PEAK_MIBPS} MiB/s of ${RECORD_KIB} KiB records**
and replayed in virtual time through the emulator (Kinesis model, CloudWatch alarms, SNS, the
packaged scaling Lambda). A 1 -> 2 split takes ${DEFAULT_RESHARDING_MS / 1000} s, bigger reshards longer (settings below). Throttled records are counted as lost.
Producers are bursty within the minute and skewed across partition keys (settings below; see the
README). On-demand is billed for writes (records rounded up to 1 KB) and one consumer's reads;
provisioned shard-hours include reads. Two lower bounds: the \`oracle\` (the fewest shards for every
minute, ignoring every AWS rule) and the \`bound\` (the cheapest schedule that loses nothing under
x2/half per call and 10 calls per UTC day, a relaxation of 10 per rolling 24 hours, resharding
instantly). A cost ratio means little for a row that loses records: read cost and loss together.
${results.length < meta.expectedTraces ? `\n**Partial run: ${results.length} of ${meta.expectedTraces} traces finished.**\n` : ''}${meta.missing?.length ? `\n**Runs that did not finish:** ${meta.missing.join(', ')}.\n` : ''}

Policies:
${policies.map((p) => `- \`${p.label}\`: ${p.description}`).join('\n')}

${results
  .map(
    (r) => `## ${r.trace}

${r.settings.map((s) => `- ${s}`).join('\n')}

${markdownTable(r.figures)}

${goals(r).join('\n')}
`,
  )
  .join('\n')}
## Simulation speed

Simulated seconds per second of the loop (excluding emulator start and deployment), by wall-clock
time and by the process's CPU time (user + system of every thread, so the Lambda workers count;
it depends much less than wall time on what else runs), on the machine that ran the benchmark
(2 cores shared with other work${meta.speedNote}; load average ${meta.load}). Goal: 100,000x or faster.

| trace | policy | wall | CPU | >= 100,000x |
| --- | --- | ---: | ---: | --- |
${speedRows.join('\n')}
`;
  await writeFile(opts.out, md);
  process.stderr.write(`wrote ${opts.out}\n`);
}
