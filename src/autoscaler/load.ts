/**
 * Per-minute write load of a stream and how much of its capacity that is. Kinesis caps each shard at
 * 1 MiB/s or 1,000 records/s of writes, whichever is hit first.
 */

export const SHARD_BYTES_PER_SECOND = 1024 * 1024;
export const SHARD_RECORDS_PER_SECOND = 1000;

export interface MinuteLoad {
  /** Epoch ms of the minute's start. */
  timestamp: number;
  /** Accepted bytes (IncomingBytes Sum). */
  bytes: number;
  /** Accepted records (IncomingRecords Sum). */
  records: number;
  /** Records rejected by throttling (WriteProvisionedThroughputExceeded Sum). */
  throttledRecords: number;
}

export function utilization(bytes: number, records: number, shards: number, seconds = 60): number {
  if (shards <= 0) return Number.POSITIVE_INFINITY;
  return Math.max(
    bytes / (SHARD_BYTES_PER_SECOND * seconds * shards),
    records / (SHARD_RECORDS_PER_SECOND * seconds * shards),
  );
}

/**
 * IncomingBytes and IncomingRecords count only what was accepted. Throttled records are added back,
 * at the minute's average record size, to estimate what producers tried to write.
 */
export function demandOf(m: MinuteLoad): { bytes: number; records: number } {
  if (m.throttledRecords <= 0) return { bytes: m.bytes, records: m.records };
  const avgRecordBytes = m.records > 0 ? m.bytes / m.records : 0;
  return {
    bytes: m.bytes + m.throttledRecords * avgRecordBytes,
    records: m.records + m.throttledRecords,
  };
}

export interface LoadSummary {
  minutes: number;
  /** Highest per-minute utilisation of accepted writes. */
  peakUtilization: number;
  /** Highest per-minute utilisation of estimated demand (accepted plus throttled). */
  peakDemandUtilization: number;
  throttledRecords: number;
}

export function summarizeLoad(load: readonly MinuteLoad[], shards: number): LoadSummary {
  let peak = 0;
  let peakDemand = 0;
  let throttled = 0;
  for (const m of load) {
    peak = Math.max(peak, utilization(m.bytes, m.records, shards));
    const d = demandOf(m);
    peakDemand = Math.max(peakDemand, utilization(d.bytes, d.records, shards));
    throttled += m.throttledRecords;
  }
  return {
    minutes: load.length,
    peakUtilization: peak,
    peakDemandUtilization: peakDemand,
    throttledRecords: throttled,
  };
}

/**
 * A coarse sample of the stream's history (5-minute sums by default): what the seasonal forecast
 * and the learned headroom read, over days rather than the alarm's minutes.
 */
export interface PeriodLoad {
  /** Epoch ms of the period's start. */
  timestamp: number;
  /** Accepted bytes in the period. */
  bytes: number;
  /** Accepted records in the period. */
  records: number;
  /** Throttled records in the period. */
  throttledRecords: number;
}

/**
 * Average demand over a period in shards: how many shards it fills at 100% (accepted plus
 * throttled, so a throttled stream's history does not under-state what producers wanted).
 */
export function demandShards(p: PeriodLoad, periodSeconds: number): number {
  const d = demandOf(p);
  return utilization(d.bytes, d.records, 1, periodSeconds);
}
