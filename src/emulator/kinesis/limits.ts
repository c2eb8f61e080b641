/** Kinesis Data Streams quotas and fixed sizes the model enforces (AWS's current defaults). */

export const MiB = 1024 * 1024;
export const SHARD_WRITE_BYTES_PER_SECOND = MiB;
export const SHARD_WRITE_RECORDS_PER_SECOND = 1000;
export const MAX_SCALING_OPS_PER_24H = 10;
export const MAX_SHARDS_PER_STREAM = 10_000;
export const ON_DEMAND_SHARD_COUNT = 4;
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const DEFAULT_RETENTION_HOURS = 24;
export const ITERATOR_TTL_MS = 300_000;
export const NEXT_TOKEN_TTL_MS = 300_000;
export const MAX_GET_RECORDS_BYTES = 10 * MiB;
export const MAX_PUT_RECORDS_REQUEST_BYTES = 5 * MiB;
export const MAX_RECORD_BYTES = MiB;
export const LARGE_QUOTA_REGIONS = new Set(['us-east-1', 'us-west-2', 'eu-west-1']);
