/**
 * Kinesis's CloudWatch metrics: per-minute statistic sets collected as calls happen and published
 * to the MetricSink once the minute is over (AWS publishes a finished minute, never a partial one).
 */
import type { MetricSink } from '../contracts.js';

export const MINUTE_MS = 60_000;

export interface Stat {
  sum: number;
  count: number;
  min: number;
  max: number;
}

const METRIC_UNITS: Record<string, string> = {
  IncomingBytes: 'Bytes',
  IncomingRecords: 'Count',
  'PutRecord.Bytes': 'Bytes',
  'PutRecord.Success': 'Count',
  'PutRecords.Bytes': 'Bytes',
  'PutRecords.TotalRecords': 'Count',
  'PutRecords.SuccessfulRecords': 'Count',
  'PutRecords.FailedRecords': 'Count',
  'PutRecords.ThrottledRecords': 'Count',
  'PutRecords.Success': 'Count',
  WriteProvisionedThroughputExceeded: 'Count',
  'GetRecords.Bytes': 'Bytes',
  'GetRecords.Records': 'Count',
  'GetRecords.Success': 'Count',
  'GetRecords.IteratorAgeMilliseconds': 'Milliseconds',
  'GetRecords.Latency': 'Milliseconds',
  ReadProvisionedThroughputExceeded: 'Count',
  OutgoingBytes: 'Bytes',
  OutgoingRecords: 'Count',
  IteratorAgeMilliseconds: 'Milliseconds',
  RecordsDroppedByByteCap: 'Count',
  BytesDroppedByByteCap: 'Bytes',
};

/** The shard-level metrics EnableEnhancedMonitoring can turn on (AWS's list). */
export const SHARD_LEVEL_METRICS = [
  'IncomingBytes',
  'IncomingRecords',
  'OutgoingBytes',
  'OutgoingRecords',
  'WriteProvisionedThroughputExceeded',
  'ReadProvisionedThroughputExceeded',
  'IteratorAgeMilliseconds',
] as const;

/**
 * The emulator's own metrics, not AWS's: records the per-stream byte cap dropped before their
 * retention period was over. Published under their own namespace so they never mix with AWS/Kinesis.
 */
export const EMULATOR_NAMESPACE = 'Emulator/Kinesis';
const EMULATOR_METRICS = new Set(['RecordsDroppedByByteCap', 'BytesDroppedByByteCap']);

/** Separates stream and shard in the keys of shard-level buckets. */
const SHARD_KEY = '\u0000';

export type MetricBucket = Map<string, Stat>;

export function addStat(bucket: MetricBucket, metric: string, value: number, samples = 1): void {
  const s = bucket.get(metric);
  if (s) {
    s.sum += value * samples;
    s.count += samples;
    if (value < s.min) s.min = value;
    if (value > s.max) s.max = value;
  } else {
    bucket.set(metric, { sum: value * samples, count: samples, min: value, max: value });
  }
}

export class KinesisMetrics {
  /** stream name -> minute start -> metric name -> statistic set */
  private readonly pending = new Map<string, Map<number, MetricBucket>>();

  constructor(private readonly sink: MetricSink) {}

  /** The statistic sets of `streamName` for the minute that contains `at`. */
  bucket(streamName: string, at: number): MetricBucket {
    const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
    let minutes = this.pending.get(streamName);
    if (!minutes) {
      minutes = new Map();
      this.pending.set(streamName, minutes);
    }
    let bucket = minutes.get(minute);
    if (!bucket) {
      bucket = new Map();
      minutes.set(minute, bucket);
    }
    return bucket;
  }

  /** The shard-level statistic sets of a shard (only used when enhanced monitoring is on). */
  shardBucket(streamName: string, shardId: string, at: number): MetricBucket {
    return this.bucket(`${streamName}${SHARD_KEY}${shardId}`, at);
  }

  /** Publishes every minute that started before `cutoff`. */
  flush(cutoff: number): void {
    for (const [key, minutes] of this.pending) {
      const [streamName, shardId] = key.split(SHARD_KEY) as [string, string | undefined];
      const dimensions = [{ name: 'StreamName', value: streamName }];
      if (shardId !== undefined) dimensions.push({ name: 'ShardId', value: shardId });
      const ready = [...minutes.keys()].filter((m) => m < cutoff).sort((a, b) => a - b);
      for (const minute of ready) {
        for (const [metricName, s] of minutes.get(minute)!) {
          this.sink.putMetric({
            namespace: EMULATOR_METRICS.has(metricName) ? EMULATOR_NAMESPACE : 'AWS/Kinesis',
            metricName,
            dimensions,
            timestamp: minute,
            unit: METRIC_UNITS[metricName] ?? 'None',
            sum: s.sum,
            sampleCount: s.count,
            min: s.min,
            max: s.max,
          });
        }
        minutes.delete(minute);
      }
      if (minutes.size === 0) this.pending.delete(key);
    }
  }
}
