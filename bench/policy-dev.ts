/**
 * Policy workbench: runs policies (and tunings of `ours` given as stream tags) on windows of the
 * shipped traces and on synthetic variations of them, to measure a lever quickly before a full
 * `npm run bench`. Not part of the committed results.
 *
 *   npx tsx bench/policy-dev.ts --traces elb_request_count_8c0756 --from-day 0 --days 4 \
 *     --variants 'ours;ours/no-forecast:forecast=false' --peers
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { TAGS, type ScalingConfig } from '../src/autoscaler/config.js';
import { baselines } from '../src/simulation/baselines.js';
import { runPolicy } from '../src/simulation/loop.js';
import { simulationPackage } from '../src/simulation/package.js';
import { oursPolicy, policyConfig, type PolicyConfig } from '../src/simulation/policies.js';
import { renderTable, summarize } from '../src/simulation/summary.js';
import { demandSeries, MINUTE_MS, readTrace, type DemandSeries } from '../src/simulation/trace.js';
import type { RunResult } from '../src/simulation/types.js';

const ROOT = join(import.meta.dirname, '..');
const program = new Command()
  .option('--traces <names>', 'comma-separated trace names')
  .option('--from-day <d>', 'first day of the window', '0')
  .option('--days <d>', 'window length in days (0 = to the end)', '0')
  .option('--peak <mibps>', 'peak MiB/s', '40')
  .option('--variants <list>', 'label:key=value,key=value;... (keys of ScalingConfig)', 'ours')
  .option('--peers', 'also run seed and double-halve', false)
  .option('--shift-hours <h>', 'synthetic variation: rotate the trace by this many hours', '0')
  .option('--warp <f>', 'synthetic variation: raise demand to this power (burstier > 1)', '1')
  .option('--package-dir <dir>')
  .option('--events', 'print every scaling of the first policy', false)
  .option('--bands', 'records lost by how full the stream was (mean demand / capacity)', false)
  .option(
    '--diag',
    'print the throttled minutes of the first policy and the scalings before them',
    false,
  )
  .parse();
const o = program.opts<{
  traces?: string;
  fromDay: string;
  days: string;
  peak: string;
  variants: string;
  peers: boolean;
  shiftHours: string;
  warp: string;
  packageDir?: string;
  diag: boolean;
  bands: boolean;
  events: boolean;
}>();

function variant(spec: string): PolicyConfig {
  const [label, rest] = spec.split(':');
  const scaling: Record<string, unknown> = {};
  for (const kv of (rest ?? '').split(',').filter(Boolean)) {
    const [k, v] = kv.split('=');
    if (!(k! in TAGS)) throw new Error(`unknown setting ${k}`);
    scaling[k!] = v;
  }
  return oursPolicy({ label: label!, scaling: scaling as Partial<ScalingConfig> });
}

function window(d: DemandSeries): DemandSeries {
  const from = Number(o.fromDay) * 1440;
  const len = Number(o.days) > 0 ? Number(o.days) * 1440 : d.minutes - from;
  const to = Math.min(d.minutes, from + len);
  const shift = Math.round(Number(o.shiftHours) * 60);
  const warp = Number(o.warp);
  const pick = (a: Float64Array) => {
    const out = new Float64Array(to - from);
    for (let i = from; i < to; i++) out[i - from] = a[(i + shift + d.minutes) % d.minutes]!;
    if (warp !== 1) {
      const peak = Math.max(...out);
      for (let i = 0; i < out.length; i++) out[i] = peak * (out[i]! / peak) ** warp;
    }
    return out;
  };
  return {
    ...d,
    name: `${d.name}[${o.fromDay}+${o.days}d${shift ? ` shift ${o.shiftHours}h` : ''}${warp !== 1 ? ` warp ${warp}` : ''}]`,
    startMs: d.startMs + from * MINUTE_MS,
    minutes: to - from,
    bytesPerSecond: pick(d.bytesPerSecond),
    recordsPerSecond: pick(d.recordsPerSecond),
  };
}

const dir = join(ROOT, 'data', 'traces');
const wanted = o.traces?.split(',');
const files = (await readdir(dir))
  .filter((f) => f.endsWith('.csv'))
  .filter((f) => !wanted || wanted.includes(f.replace(/\.csv$/, '')));
const policies = o.variants.split(';').map(variant);
if (o.peers) policies.push(policyConfig('seed'), policyConfig('double-halve'));
const packageDir = await simulationPackage(o.packageDir);
for (const f of files) {
  const demand = window(
    demandSeries(await readTrace(join(dir, f)), { peakMiBps: Number(o.peak), recordKiB: 1 }),
  );
  const runs: RunResult[] = [];
  for (const p of policies) {
    const run = await runPolicy({ demand, policy: p, packageDir });
    process.stderr.write(
      `${demand.name} ${p.label}: ${Math.round(run.wallMs!)} ms ${JSON.stringify(run.outcomes)}\n`,
    );
    for (const w of run.warnings ?? []) process.stderr.write(`  warning: ${w}\n`);
    runs.push(run);
  }
  if (o.diag && runs[0]) {
    const r = runs[0];
    const iso = (t: number) => new Date(t).toISOString().slice(5, 16);
    let shown = 0;
    for (let i = 0; i < demand.minutes && shown < 40; i++) {
      if (r.series.throttledRecords[i]! < 1) continue;
      shown++;
      const t = demand.startMs + i * MINUTE_MS;
      const last = r.scalingEvents.filter((e) => e.at <= t).at(-1);
      process.stdout.write(
        `${iso(t)} demand ${(demand.bytesPerSecond[i]! / 1048576).toFixed(1)} cap ${r.series.capacityUnits[i]!.toFixed(1)} lost ${Math.round(r.series.throttledRecords[i]!)}; last scaling ${last ? `${iso(last.at)} ${last.from}->${last.to} ${last.reason ?? ''}` : '-'}\n`,
      );
    }
  }
  if (o.events && runs[0]) {
    for (const e of runs[0].scalingEvents) {
      const at = new Date(e.at).toISOString().slice(5, 16);
      process.stdout.write(`${at} ${e.from}->${e.to} ${e.reason ?? ''}\n`);
    }
  }
  if (o.bands) {
    // Loss under the scale-up alarm's threshold comes from bursty seconds and hot shards, which the
    // alarm never sees; loss above it from the time to notice and reshard.
    const edges = [0.5, 0.75, 1];
    const label = ['<50%', '50-75%', '75-100%', '>100%'];
    for (const r of runs) {
      const lost = [0, 0, 0, 0];
      for (let i = 0; i < demand.minutes; i++) {
        const cap = r.series.capacityUnits[i]!;
        const use = cap > 0 ? demand.bytesPerSecond[i]! / 1048576 / cap : Infinity;
        const band = edges.findIndex((e) => use < e);
        lost[band < 0 ? edges.length : band]! += r.series.throttledRecords[i]!;
      }
      const total = lost.reduce((a, b) => a + b, 0) || 1;
      process.stdout.write(
        `${r.label} lost by fullness: ${lost.map((x, k) => `${label[k]} ${((100 * x) / total).toFixed(0)}%`).join(', ')}\n`,
      );
    }
  }
  runs.push(...baselines(demand));
  process.stdout.write(`\n${demand.name}\n${renderTable(summarize(runs))}\n`);
}
