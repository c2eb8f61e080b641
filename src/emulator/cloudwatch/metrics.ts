/**
 * CloudWatch's metric operations over the metric store: PutMetricData, GetMetricStatistics,
 * GetMetricData (with metric math) and ListMetrics.
 */
import type { Clock } from '../clock.js';
import type { MetricDatum } from '../contracts.js';
import {
  checkDimensions,
  checkQuery,
  checkQueryPeriod,
  compare,
  decodeToken,
  encodeToken,
  err,
  toDims,
} from './checks.js';
import { MetricMath } from './math.js';
import { checkStatistic, MetricStore, statValue, type StoredMetric } from './metric-store.js';
import type {
  GetMetricDataInput,
  GetMetricStatisticsInput,
  ListMetricsInput,
  MetricStat,
  PutMetricDataInput,
} from './schemas.js';

const DAY = 86_400_000;

export class Metrics {
  readonly store = new MetricStore();

  constructor(private readonly clock: Clock) {}

  putMetric(datum: MetricDatum): void {
    this.store.add(datum);
  }

  putMetricData(input: PutMetricDataInput): void {
    const ns = input.Namespace;
    if (ns.startsWith('AWS/') || ns.startsWith(':')) {
      throw err('InvalidParameterValue', `The value ${ns} for parameter Namespace is invalid.`);
    }
    if (input.MetricData.length === 0) {
      throw err('MissingParameter', 'The parameter MetricData is required.');
    }
    if (input.MetricData.length > 1000) {
      throw err(
        'InvalidParameterValue',
        'The collection MetricData must not have a size greater than 1000.',
      );
    }
    const now = this.clock.now();
    const data: MetricDatum[] = input.MetricData.map((d, i) => {
      const p = `MetricData.member.${i + 1}`;
      const dims = checkDimensions(toDims(d.Dimensions ?? []), `${p}.Dimensions`);
      const timestamp = d.Timestamp ?? now;
      if (timestamp < now - 14 * DAY || timestamp > now + 2 * 3_600_000) {
        throw err(
          'InvalidParameterValue',
          `The parameter ${p}.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future.`,
        );
      }
      if (
        d.StorageResolution !== undefined &&
        d.StorageResolution !== 1 &&
        d.StorageResolution !== 60
      ) {
        throw err(
          'InvalidParameterValue',
          `The value ${d.StorageResolution} for parameter ${p}.StorageResolution is invalid; it must be 1 or 60.`,
        );
      }
      const given = [
        d.Value !== undefined,
        d.StatisticValues !== undefined,
        d.Values !== undefined,
      ];
      if (given.filter(Boolean).length > 1) {
        throw err(
          'InvalidParameterCombination',
          `The parameters ${p}.Value, ${p}.StatisticValues and ${p}.Values are mutually exclusive and you have specified more than one.`,
        );
      }
      const checkValue = (v: number, name: string) => {
        if (!Number.isFinite(v) || Math.abs(v) > 2 ** 360) {
          throw err('InvalidParameterValue', `The value ${v} for parameter ${name} is invalid.`);
        }
      };
      const base = {
        namespace: ns,
        metricName: d.MetricName,
        dimensions: dims,
        timestamp,
        ...(d.Unit !== undefined ? { unit: d.Unit } : {}),
      };
      if (d.StatisticValues) {
        const s = d.StatisticValues;
        for (const k of ['SampleCount', 'Sum', 'Minimum', 'Maximum'] as const) {
          checkValue(s[k], `${p}.StatisticValues.${k}`);
        }
        if (s.SampleCount <= 0 || s.Minimum > s.Maximum) {
          throw err(
            'InvalidParameterValue',
            `The parameter ${p}.StatisticValues is invalid: SampleCount must be positive and Minimum must not exceed Maximum.`,
          );
        }
        return { ...base, sum: s.Sum, sampleCount: s.SampleCount, min: s.Minimum, max: s.Maximum };
      }
      if (d.Values !== undefined) {
        const values = d.Values;
        const counts = d.Counts ?? values.map(() => 1);
        if (values.length === 0 || values.length > 150) {
          throw err(
            'InvalidParameterValue',
            `The parameter ${p}.Values must contain between 1 and 150 values.`,
          );
        }
        if (counts.length !== values.length) {
          throw err(
            'InvalidParameterValue',
            `The parameters ${p}.Values and ${p}.Counts must be of the same size.`,
          );
        }
        values.forEach((v, j) => checkValue(v, `${p}.Values.member.${j + 1}`));
        let sum = 0;
        let n = 0;
        counts.forEach((c, j) => {
          if (!(c >= 0)) {
            throw err('InvalidParameterValue', `The value ${c} for ${p}.Counts is invalid.`);
          }
          sum += values[j]! * c;
          n += c;
        });
        return { ...base, sum, sampleCount: n, min: Math.min(...values), max: Math.max(...values) };
      }
      if (d.Value === undefined) {
        throw err(
          'InvalidParameterCombination',
          `At least one of the parameters ${p}.Value, ${p}.StatisticValues or ${p}.Values must be specified.`,
        );
      }
      checkValue(d.Value, `${p}.Value`);
      return { ...base, sum: d.Value, sampleCount: 1, min: d.Value, max: d.Value };
    });
    for (const datum of data) this.store.add(datum);
  }

  getMetricStatistics(input: GetMetricStatisticsInput): {
    Label: string;
    Datapoints: Record<string, unknown>[];
  } {
    if (input.StartTime >= input.EndTime) {
      throw err(
        'InvalidParameterValue',
        'The parameter StartTime must be less than the parameter EndTime.',
      );
    }
    checkQueryPeriod(input.Period, 'Period');
    const stats = input.Statistics ?? [];
    for (const e of input.ExtendedStatistics ?? []) checkStatistic(e, 'ExtendedStatistics');
    if (stats.length === 0) {
      throw err(
        'InvalidParameterCombination',
        'Must specify either Statistics or ExtendedStatistics, but not both.',
      );
    }
    const periodMs = input.Period * 1000;
    const count = Math.ceil((input.EndTime - input.StartTime) / periodMs);
    if (count > 1440) {
      throw err(
        'InvalidParameterCombination',
        `You have requested up to ${count} datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
      );
    }
    const metric = this.store.find(
      input.Namespace,
      input.MetricName,
      toDims(input.Dimensions ?? []),
    );
    const datapoints: Record<string, unknown>[] = [];
    if (metric) {
      const points = this.store.aggregate(
        metric,
        input.StartTime,
        input.EndTime,
        periodMs,
        input.Unit,
      );
      for (const t of [...points.keys()].sort((a, b) => a - b)) {
        const p = points.get(t)!;
        const dp: Record<string, unknown> = { Timestamp: new Date(t) };
        for (const s of stats) dp[s] = statValue(p.stats, s);
        dp.Unit = p.unit;
        datapoints.push(dp);
      }
    }
    return { Label: input.MetricName, Datapoints: datapoints };
  }

  getMetricData(input: GetMetricDataInput): {
    MetricDataResults: Record<string, unknown>[];
    NextToken?: string;
    Messages: unknown[];
  } {
    const queries = input.MetricDataQueries;
    if (queries.length === 0) {
      throw err('MissingParameter', 'The parameter MetricDataQueries is required.');
    }
    if (queries.length > 500) {
      throw err(
        'ValidationError',
        'The collection MetricDataQueries must not have a size greater than 500.',
      );
    }
    if (input.StartTime >= input.EndTime) {
      throw err(
        'ValidationError',
        'The parameter StartTime must be less than the parameter EndTime.',
      );
    }
    const max = input.MaxDatapoints ?? 100_800;
    if (max < 1) throw err('ValidationError', 'MaxDatapoints must be a positive number.');
    queries.forEach((q, i) => checkQuery(q, `MetricDataQueries.member.${i + 1}`, false));
    const math = new MetricMath(queries);
    const series = math.evaluator(input.StartTime, input.EndTime, this.fetcher());
    const descending = (input.ScanBy ?? 'TimestampDescending') === 'TimestampDescending';
    const results = queries
      .filter((q) => q.ReturnData !== false)
      .map((q) => {
        const s = series(q.Id);
        const order = s.timestamps.map((_, i) => i);
        if (descending) order.reverse();
        return {
          q,
          timestamps: order.map((i) => s.timestamps[i]!),
          values: order.map((i) => s.values[i]!),
        };
      });

    // Pages cut the concatenation of all results; the token is the offset into it, so a client
    // that repeats the request with the token gets the next slice.
    const offset = input.NextToken === undefined ? 0 : decodeToken(input.NextToken, 'gmd');
    let position = 0;
    const total = results.reduce((n, r) => n + r.timestamps.length, 0);
    const out = results.map((r) => {
      const from = Math.min(Math.max(offset - position, 0), r.timestamps.length);
      const to = Math.min(Math.max(offset + max - position, 0), r.timestamps.length);
      position += r.timestamps.length;
      return {
        Id: r.q.Id,
        Label: r.q.Label ?? r.q.MetricStat?.Metric.MetricName ?? r.q.Id,
        Timestamps: r.timestamps.slice(from, to).map((t) => new Date(t)),
        Values: r.values.slice(from, to),
        StatusCode: to < r.timestamps.length ? 'PartialData' : 'Complete',
        Messages: [],
      };
    });
    const next = offset + max;
    return {
      MetricDataResults: out,
      ...(next < total ? { NextToken: encodeToken('gmd', next) } : {}),
      Messages: [],
    };
  }

  listMetrics(input: ListMetricsInput): {
    Metrics: Record<string, unknown>[];
    NextToken?: string;
  } {
    const now = this.clock.now();
    const since = input.RecentlyActive === 'PT3H' ? now - 3 * 3_600_000 : now - 14 * DAY;
    const matches = (m: StoredMetric) =>
      m.lastTimestamp >= since &&
      (input.Namespace === undefined || m.namespace === input.Namespace) &&
      (input.MetricName === undefined || m.metricName === input.MetricName) &&
      (input.Dimensions ?? []).every((f) =>
        m.dimensions.some(
          (d) => d.name === f.Name && (f.Value === undefined || d.value === f.Value),
        ),
      );
    const all = [...this.store.all()]
      .filter(matches)
      .sort((a, b) =>
        compare(
          `${a.namespace}\u0000${a.metricName}\u0000${JSON.stringify(a.dimensions)}`,
          `${b.namespace}\u0000${b.metricName}\u0000${JSON.stringify(b.dimensions)}`,
        ),
      );
    const start = input.NextToken === undefined ? 0 : decodeToken(input.NextToken, 'lm');
    const page = all.slice(start, start + 500);
    return {
      Metrics: page.map((m) => ({
        Namespace: m.namespace,
        MetricName: m.metricName,
        Dimensions: m.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
      })),
      ...(start + 500 < all.length ? { NextToken: encodeToken('lm', start + 500) } : {}),
    };
  }

  /** Reads stored metrics for metric math and alarms: (stat, start, end, period) -> values by time. */
  fetcher() {
    return (stat: MetricStat, startMs: number, endMs: number, periodMs: number) => {
      const out = new Map<number, number>();
      const m = stat.Metric;
      const metric = this.store.find(
        m.Namespace ?? '',
        m.MetricName ?? '',
        toDims(m.Dimensions ?? []),
      );
      if (!metric) return out;
      const s = checkStatistic(stat.Stat, 'Stat');
      for (const [t, p] of this.store.aggregate(metric, startMs, endMs, periodMs, stat.Unit)) {
        out.set(t, statValue(p.stats, s));
      }
      return out;
    };
  }
}
