/**
 * The HTML report: the figures table, cost bars and, per run, demand against capacity over time.
 * Charts are Vega-Lite specs compiled and rendered to SVG in Node, so the file is self-contained
 * and opens without scripts or network.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { PRICES } from './pricing.js';
import { TABLE_HEAD, tableRow, type Figures } from './summary.js';
import { MINUTE_MS, shardUnits } from './trace.js';
import type { RunResult } from './types.js';

const HOUR_MS = 3_600_000;
/** Longer runs are bucketed coarser so no chart has more than about this many points per series. */
const MAX_POINTS = 1500;

export interface ChartPoint {
  t: number;
  series: string;
  value: number;
}

/**
 * Buckets a run into hours (or longer, for long traces) keeping each bucket's maximum demand and
 * capacity — the maximum, not the mean, because a short peak is what throttles — and the records
 * throttled in it.
 */
export function downsample(run: RunResult): { bucketMs: number; points: ChartPoint[] } {
  const { demand, series } = run;
  const hours = Math.ceil((demand.minutes * MINUTE_MS) / HOUR_MS);
  const bucketMs = HOUR_MS * Math.max(1, Math.ceil(hours / MAX_POINTS));
  const perBucket = bucketMs / MINUTE_MS;
  const points: ChartPoint[] = [];
  for (let start = 0; start < demand.minutes; start += perBucket) {
    let d = 0;
    let c = 0;
    let thr = 0;
    for (let i = start; i < Math.min(demand.minutes, start + perBucket); i++) {
      d = Math.max(d, shardUnits(demand.bytesPerSecond[i]!, demand.recordsPerSecond[i]!));
      c = Math.max(c, series.capacityUnits[i]!);
      thr += series.throttledRecords[i]!;
    }
    const t = demand.startMs + start * MINUTE_MS;
    points.push({ t, series: 'demand', value: d });
    points.push({ t, series: run.pricing === 'provisioned' ? 'shards' : 'capacity', value: c });
    if (thr >= 1) points.push({ t, series: 'throttled', value: thr });
  }
  return { bucketMs, points };
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function timelineSpec(run: RunResult): TopLevelSpec {
  const { bucketMs, points } = downsample(run);
  const bucket = bucketMs === HOUR_MS ? 'hourly' : `${bucketMs / HOUR_MS}-hourly`;
  const lines = points.filter((p) => p.series !== 'throttled');
  const throttled = points.filter((p) => p.series === 'throttled');
  const x = { field: 't', type: 'temporal' as const, title: null, scale: { type: 'utc' as const } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${run.label}: demand and capacity (${bucket} max)`,
      subtitle: 'shard-equivalents: 1 MiB/s or 1,000 records/s; red ticks: hours with throttling',
    },
    width: 900,
    height: 220,
    layer: [
      {
        data: { values: lines },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.2 },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: 'shard-equivalents' },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            scale: {
              domain: ['demand', run.pricing === 'provisioned' ? 'shards' : 'capacity'],
              range: ['#7f7f7f', '#1f77b4'],
            },
          },
        },
      },
      ...(throttled.length > 0
        ? [
            {
              data: { values: throttled },
              mark: { type: 'tick' as const, color: '#d62728', thickness: 2 },
              encoding: { x, y: { datum: 0 } },
            },
          ]
        : []),
    ],
  } as TopLevelSpec;
}

/**
 * Runs on the cost/loss Pareto front: none other costs no more and loses no more while being
 * better in one of the two.
 */
export function paretoFront(figures: readonly Figures[]): Figures[] {
  const front = figures.filter(
    (f) =>
      !figures.some(
        (g) =>
          g !== f &&
          g.costUsd <= f.costUsd &&
          g.throttledPercent <= f.throttledPercent &&
          (g.costUsd < f.costUsd || g.throttledPercent < f.throttledPercent),
      ),
  );
  return front.sort((a, b) => a.throttledPercent - b.throttledPercent || a.costUsd - b.costUsd);
}

/**
 * The question a user asks: what does each choice cost, and what does it lose? Every policy and
 * baseline is a point; the bound (the cheapest schedule that loses nothing) is a marker on the cost
 * axis; the Pareto front joins the runs nothing beats on both.
 */
export function costLossSpec(figures: readonly Figures[]): TopLevelSpec {
  const front = new Set(paretoFront(figures).map((f) => f.label));
  const values = figures.map((f) => ({
    run: f.label,
    kind: f.label === 'bound' ? 'bound' : f.kind,
    cost: Math.round(f.costUsd * 100) / 100,
    lost: f.throttledPercent,
    front: front.has(f.label),
  }));
  const bound = figures.find((f) => f.label === 'bound');
  const x = {
    field: 'lost',
    type: 'quantitative' as const,
    title: 'records lost (%, symmetric log scale)',
    scale: { type: 'symlog' as const, constant: 0.01 },
  };
  const y = {
    field: 'cost',
    type: 'quantitative' as const,
    title: 'cost (USD)',
    scale: { zero: true },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Cost against loss',
      subtitle:
        'lower left is better; line: the Pareto front; dashed: the bound, the cheapest schedule that loses nothing',
    },
    width: 700,
    height: 320,
    data: { values },
    layer: [
      ...(bound
        ? [
            {
              mark: { type: 'rule' as const, strokeDash: [4, 4], color: '#2ca02c' },
              encoding: { y: { datum: Math.round(bound.costUsd * 100) / 100 } },
            },
          ]
        : []),
      {
        transform: [{ filter: 'datum.front' }],
        mark: { type: 'line', interpolate: 'step-after', color: '#999999', strokeWidth: 1 },
        encoding: { x, y, order: { field: 'lost', type: 'quantitative' } },
      },
      {
        mark: { type: 'point', filled: true, size: 90 },
        encoding: {
          x,
          y,
          color: {
            field: 'kind',
            type: 'nominal',
            title: null,
            scale: {
              domain: ['policy', 'baseline', 'bound'],
              range: ['#1f77b4', '#7f7f7f', '#2ca02c'],
            },
          },
          shape: {
            field: 'kind',
            type: 'nominal',
            legend: null,
            scale: {
              domain: ['policy', 'baseline', 'bound'],
              range: ['circle', 'square', 'diamond'],
            },
          },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 7, dy: -6, fontSize: 11 },
        encoding: { x, y, text: { field: 'run' } },
      },
    ],
  } as TopLevelSpec;
}

export function costSpec(figures: readonly Figures[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Cost over the trace (USD)',
    width: 600,
    height: { step: 26 },
    data: {
      values: figures.map((f) => ({
        run: f.label,
        cost: Math.round(f.costUsd * 100) / 100,
        kind: f.kind,
      })),
    },
    layer: [
      {
        mark: 'bar',
        encoding: {
          y: { field: 'run', type: 'nominal', sort: null, title: null },
          x: { field: 'cost', type: 'quantitative', title: 'USD' },
          color: {
            field: 'kind',
            type: 'nominal',
            title: null,
            scale: { domain: ['policy', 'baseline'], range: ['#1f77b4', '#bbbbbb'] },
          },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 4 },
        encoding: {
          y: { field: 'run', type: 'nominal', sort: null },
          x: { field: 'cost', type: 'quantitative' },
          text: { field: 'cost', type: 'quantitative', format: '$,.2f' },
        },
      },
    ],
  } as TopLevelSpec;
}

const escape = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export interface ReportInput {
  title: string;
  /** One line per setting (trace, scale, resharding time...). */
  settings: string[];
  runs: readonly RunResult[];
  figures: readonly Figures[];
}

export async function renderReport(input: ReportInput): Promise<string> {
  const costLossSvg = await renderSvg(costLossSpec(input.figures));
  const costSvg = await renderSvg(costSpec(input.figures));
  const timelines: string[] = [];
  for (const run of input.runs) {
    const svg = await renderSvg(timelineSpec(run));
    const warnings = (run.warnings ?? []).map((w) => `<li class="warn">${escape(w)}</li>`);
    timelines.push(
      `<section><h3>${escape(run.label)}</h3><p>${escape(run.description)}</p>` +
        (warnings.length > 0 ? `<ul>${warnings.join('')}</ul>` : '') +
        `${svg}</section>`,
    );
  }
  const rows = input.figures
    .map(
      (f) =>
        `<tr>${tableRow(f)
          .map((c) => `<td>${escape(c)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  const p = PRICES;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(input.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:1000px;color:#222}
table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}
td:first-child,th:first-child{text-align:left}.warn{color:#a00}section{margin:1.5rem 0}
</style></head><body>
<h1>${escape(input.title)}</h1>
<ul>${input.settings.map((s) => `<li>${escape(s)}</li>`).join('')}</ul>
<h2>Cost against loss</h2>
${costLossSvg}
<h2>Figures</h2>
<table><thead><tr>${TABLE_HEAD.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table>
<p>Throttled records are counted as lost (the simulated producers do not retry). A cost ratio
means little for a row that loses records: read cost and loss together. Prices (us-east-1):
provisioned $${p.provisioned.perShardHour}/shard-hour + $${p.provisioned.perMillionPutPayloadUnits} per million
25 KiB PUT payload units (reads included); on-demand $${p.onDemand.perStreamHour}/stream-hour +
$${p.onDemand.perGbWritten}/GB written (each record rounded up to 1 KB) + $${p.onDemand.perGbRead}/GB read per
consumer. The oracle follows every minute with the fewest shards and ignores every AWS rule; the
bound is the cheapest schedule that loses nothing under the 2x/half rule and 10 calls per UTC day
(a relaxation of 10 per rolling 24 hours), resharding instantly: both are lower bounds.</p>
<h2>Cost</h2>
${costSvg}
<h2>Demand and capacity</h2>
${timelines.join('\n')}
</body></html>
`;
}

export async function writeReport(
  dir: string,
  input: ReportInput,
  json: unknown,
): Promise<{ html: string; json: string }> {
  await mkdir(dir, { recursive: true });
  const html = join(dir, 'report.html');
  const jsonPath = join(dir, 'results.json');
  await writeFile(html, await renderReport(input));
  await writeFile(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  return { html, json: jsonPath };
}
