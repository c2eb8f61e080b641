/**
 * Metric storage. Simulations push weeks of per-minute data, so observations are folded into one
 * statistic set per metric, unit and minute on insert instead of being kept one by one; queries
 * then merge minutes into periods. Sub-minute (high-resolution) data lands in its minute, so periods
 * shorter than 60 s only ever see data at minute starts, as for standard-resolution metrics.
 */
import type { Dimension, MetricDatum } from '../contracts.js';
import { AwsError } from '../protocol/errors.js';
import { STATISTICS, type Statistic } from './schemas.js';

export interface StatSet {
  sum: number;
  sampleCount: number;
  min: number;
  max: number;
}

export interface StoredMetric {
  namespace: string;
  metricName: string;
  /** Sorted by name, so equal sets compare equal. */
  dimensions: Dimension[];
  /** unit -> minute start (epoch ms) -> statistics of that minute. */
  byUnit: Map<string, Map<number, StatSet>>;
  lastTimestamp: number;
}

export interface AggregatedPoint {
  stats: StatSet;
  unit: string;
}

const MINUTE = 60_000;

export function metricKey(namespace: string, metricName: string, dimensions: Dimension[]): string {
  const dims = [...dimensions]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((d) => `${d.name}=${d.value}`)
    .join('\u0001');
  return `${namespace}\u0000${metricName}\u0000${dims}`;
}

/**
 * The first period start of a query grid. AWS rounds the start time down to the minute (or to the
 * period when it is shorter than a minute) and steps by the period from there.
 */
export function gridBase(startMs: number, periodMs: number): number {
  const unit = periodMs >= MINUTE ? MINUTE : periodMs;
  return Math.floor(startMs / unit) * unit;
}

export function gridTimestamps(startMs: number, endMs: number, periodMs: number): number[] {
  const out: number[] = [];
  for (let t = gridBase(startMs, periodMs); t < endMs; t += periodMs) out.push(t);
  return out;
}

/** Writes remembered for `earliestWriteSince`; older versions are answered conservatively. */
const WRITE_LOG_LIMIT = 20_000;

export class MetricStore {
  private readonly metrics = new Map<string, StoredMetric>();
  /** Timestamps of recent writes, so a reader can ask what changed since it last looked. */
  private writeLog: number[] = [];
  private writeLogStart = 0;

  /** Increases with every write. */
  get version(): number {
    return this.writeLogStart + this.writeLog.length;
  }

  /**
   * The earliest datapoint timestamp written after `version` (Infinity when nothing was); -Infinity
   * when that history is no longer kept, so callers treat everything as changed.
   */
  earliestWriteSince(version: number): number {
    if (version < this.writeLogStart) return Number.NEGATIVE_INFINITY;
    let earliest = Number.POSITIVE_INFINITY;
    for (let i = version - this.writeLogStart; i < this.writeLog.length; i++) {
      earliest = Math.min(earliest, this.writeLog[i]!);
    }
    return earliest;
  }

  add(datum: MetricDatum): void {
    this.writeLog.push(datum.timestamp);
    if (this.writeLog.length > WRITE_LOG_LIMIT) {
      const drop = this.writeLog.length - WRITE_LOG_LIMIT / 2;
      this.writeLog = this.writeLog.slice(drop);
      this.writeLogStart += drop;
    }
    const key = metricKey(datum.namespace, datum.metricName, datum.dimensions);
    let metric = this.metrics.get(key);
    if (!metric) {
      metric = {
        namespace: datum.namespace,
        metricName: datum.metricName,
        dimensions: [...datum.dimensions].sort((a, b) =>
          a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
        ),
        byUnit: new Map(),
        lastTimestamp: datum.timestamp,
      };
      this.metrics.set(key, metric);
    }
    metric.lastTimestamp = Math.max(metric.lastTimestamp, datum.timestamp);
    const unit = datum.unit ?? 'None';
    let minutes = metric.byUnit.get(unit);
    if (!minutes) {
      minutes = new Map();
      metric.byUnit.set(unit, minutes);
    }
    const minute = Math.floor(datum.timestamp / MINUTE) * MINUTE;
    const bucket = minutes.get(minute);
    if (bucket) {
      bucket.sum += datum.sum;
      bucket.sampleCount += datum.sampleCount;
      bucket.min = Math.min(bucket.min, datum.min);
      bucket.max = Math.max(bucket.max, datum.max);
    } else {
      minutes.set(minute, {
        sum: datum.sum,
        sampleCount: datum.sampleCount,
        min: datum.min,
        max: datum.max,
      });
    }
  }

  find(namespace: string, metricName: string, dimensions: Dimension[]): StoredMetric | undefined {
    return this.metrics.get(metricKey(namespace, metricName, dimensions));
  }

  all(): IterableIterator<StoredMetric> {
    return this.metrics.values();
  }

  /** Merges the minutes of [startMs, endMs) into periods; keys are period starts. */
  aggregate(
    metric: StoredMetric,
    startMs: number,
    endMs: number,
    periodMs: number,
    unit?: string,
  ): Map<number, AggregatedPoint> {
    const base = gridBase(startMs, periodMs);
    const out = new Map<number, AggregatedPoint>();
    const firstMinute = Math.ceil(base / MINUTE) * MINUTE;
    const span = Math.max(0, Math.ceil((endMs - firstMinute) / MINUTE));
    for (const [u, minutes] of metric.byUnit) {
      if (unit !== undefined && u !== unit) continue;
      const merge = (minute: number, s: StatSet) => {
        const key = base + Math.floor((minute - base) / periodMs) * periodMs;
        const existing = out.get(key);
        if (!existing) {
          out.set(key, { stats: { ...s }, unit: u });
          return;
        }
        existing.stats.sum += s.sum;
        existing.stats.sampleCount += s.sampleCount;
        existing.stats.min = Math.min(existing.stats.min, s.min);
        existing.stats.max = Math.max(existing.stats.max, s.max);
        if (existing.unit !== u) existing.unit = 'None';
      };
      // Walk whichever is smaller: the minutes of the range or the stored minutes.
      if (span <= minutes.size) {
        for (let m = firstMinute; m < endMs; m += MINUTE) {
          const s = minutes.get(m);
          if (s) merge(m, s);
        }
      } else {
        for (const [m, s] of minutes) if (m >= firstMinute && m < endMs) merge(m, s);
      }
    }
    return out;
  }
}

export function statValue(stats: StatSet, stat: Statistic): number {
  switch (stat) {
    case 'Sum':
      return stats.sum;
    case 'SampleCount':
      return stats.sampleCount;
    case 'Average':
      return stats.sampleCount === 0 ? 0 : stats.sum / stats.sampleCount;
    case 'Minimum':
      return stats.min;
    case 'Maximum':
      return stats.max;
  }
}

/** Narrows a statistic name; percentiles and trimmed statistics are deliberately not emulated. */
export function checkStatistic(stat: string, param: string): Statistic {
  if ((STATISTICS as readonly string[]).includes(stat)) return stat as Statistic;
  if (/^(p|tm|wm|tc|ts|pr|iqm)/i.test(stat)) {
    throw new AwsError(
      'InvalidParameterValue',
      `The statistic ${stat} for parameter ${param} is a percentile or trimmed statistic, which the embedded emulator does not support; use SampleCount, Average, Sum, Minimum or Maximum.`,
    );
  }
  throw new AwsError(
    'InvalidParameterValue',
    `The value ${stat} for parameter ${param} is invalid.`,
  );
}
