import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { DemandHistory } from './forecast.js';
import { demandShards, type MinuteLoad, type PeriodLoad } from './load.js';

const MINUTE_MS = 60_000;

const SERIES = {
  bytes: 'IncomingBytes',
  records: 'IncomingRecords',
  throttled: 'WriteProvisionedThroughputExceeded',
} as const;

/** The whole minutes of the lookback window that ends at the alarm's state change. */
export function lookbackWindow(at: number, minutes: number): { start: number; end: number } {
  const end = Math.floor(at / MINUTE_MS) * MINUTE_MS;
  return { start: end - minutes * MINUTE_MS, end };
}

/**
 * Reads the stream's per-minute write load with one GetMetricData call (plus pages). Minutes with
 * no datapoint count as zero: Kinesis publishes nothing for a minute without writes.
 */
export async function fetchLoad(
  cloudwatch: CloudWatchClient,
  streamName: string,
  at: number,
  minutes: number,
): Promise<MinuteLoad[]> {
  const { start, end } = lookbackWindow(at, minutes);
  return fetchPeriods(cloudwatch, streamName, start, end, 60);
}

/** The three write series summed per period over [start, end), zero-filled, with one call (plus pages). */
async function fetchPeriods(
  cloudwatch: CloudWatchClient,
  streamName: string,
  start: number,
  end: number,
  periodSeconds: number,
): Promise<PeriodLoad[]> {
  const periodMs = periodSeconds * 1000;
  const queries: MetricDataQuery[] = Object.entries(SERIES).map(([id, metricName]) => ({
    Id: id,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Kinesis',
        MetricName: metricName,
        Dimensions: [{ Name: 'StreamName', Value: streamName }],
      },
      Period: periodSeconds,
      Stat: 'Sum',
    },
  }));
  const byPeriod = new Map<number, PeriodLoad>();
  for (let t = start; t < end; t += periodMs) {
    byPeriod.set(t, { timestamp: t, bytes: 0, records: 0, throttledRecords: 0 });
  }
  let nextToken: string | undefined;
  do {
    const page = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: new Date(start),
        EndTime: new Date(end),
        ScanBy: 'TimestampAscending',
        NextToken: nextToken,
      }),
    );
    for (const result of page.MetricDataResults ?? []) {
      const field =
        result.Id === 'bytes'
          ? 'bytes'
          : result.Id === 'records'
            ? 'records'
            : result.Id === 'throttled'
              ? 'throttledRecords'
              : undefined;
      if (!field) continue;
      (result.Timestamps ?? []).forEach((ts, i) => {
        const t = new Date(ts).getTime();
        const slot = byPeriod.get(start + Math.floor((t - start) / periodMs) * periodMs);
        if (slot) slot[field] += result.Values?.[i] ?? 0;
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return [...byPeriod.values()];
}

/** Days of history the seasonal forecast and the learned headroom read (a week, plus a day). */
export const HISTORY_DAYS = 8;
/**
 * History is read at 5-minute sums: CloudWatch keeps them 63 days (1-minute data only 15), and
 * 8 days of them are 2,304 points per metric, one GetMetricData call.
 */
export const HISTORY_PERIOD_SECONDS = 300;

/**
 * The stream's demand per 5-minute period over the days before the alarm, in shards (accepted plus
 * throttled writes, as a share of one shard's capacity). The window ends at the last whole period
 * before `at`; periods with no datapoint count as zero.
 */
export async function fetchHistory(
  cloudwatch: CloudWatchClient,
  streamName: string,
  at: number,
  days = HISTORY_DAYS,
  periodSeconds = HISTORY_PERIOD_SECONDS,
): Promise<DemandHistory> {
  const periodMs = periodSeconds * 1000;
  const end = Math.floor(at / periodMs) * periodMs;
  const start = end - days * 86_400_000;
  const periods = await fetchPeriods(cloudwatch, streamName, start, end, periodSeconds);
  // Periods before the stream's first datapoint are unknown, not idle: a stream created yesterday
  // has no week of quiet nights to learn from.
  const first = periods.findIndex((p) => p.bytes > 0 || p.records > 0 || p.throttledRecords > 0);
  const known = first < 0 ? [] : periods.slice(first);
  return {
    start: known[0]?.timestamp ?? end,
    periodMs,
    shards: known.map((p) => demandShards(p, periodSeconds)),
    throttled: known.map((p) => {
      const offered = p.records + p.throttledRecords;
      return offered > 0 ? p.throttledRecords / offered : 0;
    }),
  };
}
