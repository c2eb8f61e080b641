import Table from 'cli-table3';
import { onDemandCost, provisionedCost } from './pricing.js';
import { MINUTE_MS } from './trace.js';
import type { RunResult, ScalingEvent } from './types.js';

const DAY_MS = 86_400_000;

/** The figures of one run; the JSON output is an array of these. */
export interface Figures {
  label: string;
  kind: 'policy' | 'baseline';
  pricing: 'provisioned' | 'on-demand';
  offeredRecords: number;
  /** Throttled records are counted as lost: the simulated producers do not retry. */
  throttledRecords: number;
  throttledPercent: number;
  throttledMinutes: number;
  /** Null for on-demand, which is billed per stream-hour, not per shard. */
  shardHours: number | null;
  averageShards: number | null;
  costUsd: number;
  costVsOnDemand: number | null;
  costVsOracle: number | null;
  /** Cost over the bound's: meaningful only for a row that loses (almost) nothing. */
  costVsBound: number | null;
  scalingOperations: number;
  maxScalingOperationsIn24h: number;
  /** Simulated seconds per wall-clock second (policies only). */
  simulationSpeed: number | null;
  /** Simulated seconds per second of process CPU time (every thread), less load-dependent. */
  simulationSpeedCpu: number | null;
}

/** The most events inside any rolling 24 hours (the window Kinesis's 10-per-day limit uses). */
export function maxInRollingDay(events: readonly ScalingEvent[]): number {
  const times = events.map((e) => e.at).sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= DAY_MS) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

export interface PricingOptions {
  /** Consumers that each read every accepted byte once (billed on demand only). Default 1. */
  consumers?: number;
}

export function figuresOf(
  run: RunResult,
  pricing: PricingOptions = {},
): Omit<Figures, 'costVsOnDemand' | 'costVsOracle' | 'costVsBound'> {
  const s = run.series;
  const minutes = run.demand.minutes;
  let offered = 0;
  let throttled = 0;
  let throttledMinutes = 0;
  let accepted = 0;
  let acceptedBytes = 0;
  let shardMinutes = 0;
  for (let i = 0; i < minutes; i++) {
    offered += s.offeredRecords[i]!;
    accepted += s.acceptedRecords[i]!;
    acceptedBytes += s.acceptedBytes[i]!;
    // Below one record a minute is float noise from splitting a rate, not a lost record.
    if (s.throttledRecords[i]! >= 1) {
      throttled += s.throttledRecords[i]!;
      throttledMinutes++;
    }
    shardMinutes += s.capacityUnits[i]!;
  }
  const hours = (minutes * MINUTE_MS) / 3_600_000;
  const provisioned = run.pricing === 'provisioned';
  const cost = provisioned
    ? provisionedCost({
        shardHours: shardMinutes / 60,
        acceptedRecords: accepted,
        recordBytes: run.demand.recordBytes,
      }).total
    : onDemandCost({
        streamHours: hours,
        acceptedRecords: accepted,
        acceptedBytes,
        recordBytes: run.demand.recordBytes,
        consumers: pricing.consumers ?? 1,
      }).total;
  return {
    label: run.label,
    kind: run.kind,
    pricing: run.pricing,
    offeredRecords: Math.round(offered),
    throttledRecords: Math.round(throttled),
    throttledPercent: offered > 0 ? (100 * throttled) / offered : 0,
    throttledMinutes,
    shardHours: provisioned ? shardMinutes / 60 : null,
    averageShards: provisioned ? shardMinutes / minutes : null,
    costUsd: cost,
    scalingOperations: run.scalingEvents.length,
    maxScalingOperationsIn24h: maxInRollingDay(run.scalingEvents),
    simulationSpeed:
      run.wallMs !== undefined && run.wallMs > 0 ? (minutes * MINUTE_MS) / run.wallMs : null,
    simulationSpeedCpu:
      run.cpuMs !== undefined && run.cpuMs > 0 ? (minutes * MINUTE_MS) / run.cpuMs : null,
  };
}

/** Figures of every run of one trace, with costs relative to on-demand, the oracle and the bound. */
export function summarize(runs: readonly RunResult[], pricing: PricingOptions = {}): Figures[] {
  const base = runs.map((r) => figuresOf(r, pricing));
  const onDemand = base.find((f) => f.label === 'on-demand')?.costUsd;
  const oracle = base.find((f) => f.label === 'oracle')?.costUsd;
  const bound = base.find((f) => f.label === 'bound')?.costUsd;
  return base.map((f) => ({
    ...f,
    costVsOnDemand: onDemand ? f.costUsd / onDemand : null,
    costVsOracle: oracle ? f.costUsd / oracle : null,
    costVsBound: bound ? f.costUsd / bound : null,
  }));
}

const fmt = {
  int: (x: number) => Math.round(x).toLocaleString('en-US'),
  pct: (x: number) => (x === 0 ? '0%' : x < 0.001 ? '<0.001%' : `${x.toFixed(3)}%`),
  usd: (x: number) => `$${x.toFixed(2)}`,
  ratio: (x: number | null) => (x === null ? '–' : `${x.toFixed(2)}x`),
  num: (x: number | null, digits = 1) => (x === null ? '–' : x.toFixed(digits)),
};

/** Cost and loss side by side: a cost ratio means little for a row that loses records. */
export const TABLE_HEAD = [
  'run',
  'cost',
  'lost',
  '/ bound',
  '/ oracle',
  '/ on-demand',
  'records lost',
  'min. throttled',
  'shard-hours',
  'scalings',
  'max / 24 h',
];

export function tableRow(f: Figures): string[] {
  return [
    f.label,
    fmt.usd(f.costUsd),
    fmt.pct(f.throttledPercent),
    fmt.ratio(f.costVsBound),
    fmt.ratio(f.costVsOracle),
    fmt.ratio(f.costVsOnDemand),
    fmt.int(f.throttledRecords),
    fmt.int(f.throttledMinutes),
    f.shardHours === null ? '–' : fmt.int(f.shardHours),
    fmt.int(f.scalingOperations),
    fmt.int(f.maxScalingOperationsIn24h),
  ];
}

export function renderTable(figures: readonly Figures[], color = false): string {
  const table = new Table({
    head: TABLE_HEAD,
    style: color ? {} : { head: [], border: [] },
    colAligns: ['left', ...TABLE_HEAD.slice(1).map(() => 'right' as const)],
  });
  for (const f of figures) table.push(tableRow(f));
  return table.toString();
}

export function markdownTable(figures: readonly Figures[]): string {
  const head = `| ${TABLE_HEAD.join(' | ')} |`;
  const rule = `|${TABLE_HEAD.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`;
  return [head, rule, ...figures.map((f) => `| ${tableRow(f).join(' | ')} |`)].join('\n');
}
