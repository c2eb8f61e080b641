/**
 * Simulation speed on a window of a trace, with a fingerprint of every figure the run produced, so
 * a speed change can be shown to leave results unchanged (same fingerprint before and after).
 *
 *   npx tsx bench/speed.ts --trace Twitter_volume_AAPL --from-day 10 --days 3 --policies ours,seed
 *
 * Speed is simulated time over the loop's wall time and over the process CPU time it used
 * (process.cpuUsage counts every thread, so the Lambda workers are in it): the wall figure depends
 * on what else the machine runs, the CPU figure much less.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Command } from 'commander';
import { POLICIES, type PolicyName } from '../src/autoscaler/config.js';
import { runPolicy } from '../src/simulation/loop.js';
import { simulationPackage } from '../src/simulation/package.js';
import { policyConfig } from '../src/simulation/policies.js';
import { demandSeries, MINUTE_MS, readTrace, type DemandSeries } from '../src/simulation/trace.js';
import type { RunResult } from '../src/simulation/types.js';

const ROOT = join(import.meta.dirname, '..');

const o = new Command()
  .requiredOption('--trace <name>', 'trace file name without .csv')
  .option('--from-day <d>', 'first day of the window', '0')
  .option('--days <d>', 'window length in days (0 = to the end)', '0')
  .option('--policies <names>', `comma-separated (${POLICIES.join(', ')})`, POLICIES.join(','))
  .option('--package-dir <dir>', 'reuse an `sls package --stage local` output folder')
  .parse()
  .opts<{ trace: string; fromDay: string; days: string; policies: string; packageDir?: string }>();

function window(d: DemandSeries, fromDay: number, days: number): DemandSeries {
  const from = Math.min(d.minutes, Math.round(fromDay * 1440));
  const to = days > 0 ? Math.min(d.minutes, from + Math.round(days * 1440)) : d.minutes;
  return {
    ...d,
    startMs: d.startMs + from * MINUTE_MS,
    minutes: to - from,
    bytesPerSecond: d.bytesPerSecond.slice(from, to),
    recordsPerSecond: d.recordsPerSecond.slice(from, to),
  };
}

/** Every per-minute figure, scaling event and outcome count of a run, hashed. */
export function fingerprint(run: RunResult): string {
  const h = createHash('sha256');
  for (const a of Object.values(run.series) as Float64Array[]) h.update(new Uint8Array(a.buffer));
  h.update(JSON.stringify(run.scalingEvents));
  h.update(JSON.stringify(run.outcomes ?? {}));
  h.update(JSON.stringify(run.warnings ?? []));
  return h.digest('hex').slice(0, 16);
}

const full = demandSeries(await readTrace(join(ROOT, 'data', 'traces', `${o.trace}.csv`)), {
  peakMiBps: 40,
  recordKiB: 1,
});
const demand = window(full, Number(o.fromDay), Number(o.days));
const packageDir = await simulationPackage(o.packageDir);
for (const name of o.policies.split(',') as PolicyName[]) {
  const run = await runPolicy({ demand, policy: policyConfig(name), packageDir });
  const simulatedS = demand.minutes * 60;
  const wall = simulatedS / (run.wallMs! / 1000);
  const cpu = simulatedS / (run.cpuMs! / 1000);
  process.stdout.write(
    `${o.trace}[${o.fromDay}+${o.days}d] ${name}: ${Math.round(wall).toLocaleString('en-US')}x wall, ` +
      `${Math.round(cpu).toLocaleString('en-US')}x CPU, fingerprint ${fingerprint(run)} ` +
      `${JSON.stringify(run.outcomes)}\n`,
  );
}
