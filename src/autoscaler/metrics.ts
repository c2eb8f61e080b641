import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { MinuteLoad } from './load.js';

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
  const queries: MetricDataQuery[] = Object.entries(SERIES).map(([id, metricName]) => ({
    Id: id,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Kinesis',
        MetricName: metricName,
        Dimensions: [{ Name: 'StreamName', Value: streamName }],
      },
      Period: 60,
      Stat: 'Sum',
    },
  }));
  const byMinute = new Map<number, MinuteLoad>();
  for (let t = start; t < end; t += MINUTE_MS) {
    byMinute.set(t, { timestamp: t, bytes: 0, records: 0, throttledRecords: 0 });
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
        const minute = byMinute.get(Math.floor(new Date(ts).getTime() / MINUTE_MS) * MINUTE_MS);
        if (minute) minute[field] += result.Values?.[i] ?? 0;
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return [...byMinute.values()];
}
