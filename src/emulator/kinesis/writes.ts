/**
 * The write path: PutRecord, PutRecords and the bulk `ingest` used by simulations, with the
 * per-shard throughput rule.
 *
 * Every shard admits at most 1 MiB and 1,000 records per clock second (the window is the integer
 * second `floor(now / 1000)`); a record's size is its data plus its partition key bytes. The first
 * record of a second is always admitted by size so a maximal 1 MiB record can be written at all.
 * `ingest` applies the same per-shard caps to aggregate traffic spread evenly over the open shards,
 * with its own accounting (it does not share the per-second windows of single puts).
 */
import { AwsError } from '../protocol/errors.js';
import {
  MAX_PUT_RECORDS_REQUEST_BYTES,
  SHARD_WRITE_BYTES_PER_SECOND,
  SHARD_WRITE_RECORDS_PER_SECOND,
} from './limits.js';
import { addStat, MINUTE_MS, type KinesisMetrics, type MetricBucket } from './metrics.js';
import { hashKeyOf, type StreamStore } from './store.js';
import type {
  IngestInput,
  IngestResult,
  PutRecordInput,
  PutRecordsEntry,
  PutRecordsResultEntry,
  ShardState,
  StreamRef,
  StreamState,
} from './types.js';
import { constraint, invalidArgument, validateRecord } from './validation.js';

export function recordSize(r: { Data: Uint8Array; PartitionKey: string }): number {
  return r.Data.length + Buffer.byteLength(r.PartitionKey, 'utf8');
}

/** The part of a shard's share of the traffic (per second) that its caps admit. */
/**
 * The part of the traffic a shard with this share refuses at its write caps. Computed as what is
 * refused rather than as 1 minus what is admitted, so a stream below its caps throttles exactly
 * nothing: summing admitted shares leaves a float residue (1e-9 records), which CloudWatch then
 * reports as throttling that never happened.
 */
function refusedShare(share: number, R: number, B: number): number {
  if (share <= 0) return 0;
  const admitted = Math.min(
    1,
    SHARD_WRITE_RECORDS_PER_SECOND / (R * share),
    B > 0 ? SHARD_WRITE_BYTES_PER_SECOND / (B * share) : 1,
  );
  return admitted >= 1 ? 0 : share * (1 - admitted);
}

/** A per-second rate held for `secs` seconds: the sum is exact, min and max the rate itself. */
function putPerSecond(
  bucket: MetricBucket,
  metric: string,
  perSecond: number,
  samples: number,
  secs: number,
): void {
  addStat(bucket, metric, perSecond, samples);
  bucket.get(metric)!.sum += perSecond * (secs - samples);
}

export class Writes {
  private readonly shares = new WeakMap<
    readonly ShardState[],
    { shareOf: (start: bigint, end: bigint) => number; shares: Float64Array }
  >();

  constructor(
    private readonly store: StreamStore,
    private readonly metrics: KinesisMetrics,
  ) {}

  /** `ownsData`: the caller hands the record data over (no copy is kept of it). */
  putRecord(
    input: PutRecordInput,
    ownsData = false,
  ): {
    ShardId: string;
    SequenceNumber: string;
    EncryptionType: 'NONE';
  } {
    validateRecord(input, '');
    if (
      input.SequenceNumberForOrdering !== undefined &&
      !/^(0|[1-9]\d{0,128})$/.test(input.SequenceNumberForOrdering)
    ) {
      throw constraint(
        'sequenceNumberForOrdering',
        input.SequenceNumberForOrdering,
        'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})',
      );
    }
    const stream = this.store.requireWritable(input);
    const shard = route(stream, input);
    const size = recordSize(input);
    const now = this.store.clock.now();
    const bucket = this.metrics.bucket(stream.name, now);
    const admitted = admit(shard, size, now);
    if (stream.shardLevelMetrics.size) this.shardMetrics(stream, shard, now, admitted, size);
    if (!admitted) {
      addStat(bucket, 'PutRecord.Success', 0);
      addStat(bucket, 'IncomingBytes', 0);
      addStat(bucket, 'IncomingRecords', 0);
      addStat(bucket, 'WriteProvisionedThroughputExceeded', 1);
      throw new AwsError('ProvisionedThroughputExceededException', this.rateMessage(stream, shard));
    }
    const seq = this.storeRecord(stream, shard, input, size, now, ownsData);
    addStat(bucket, 'PutRecord.Bytes', size);
    addStat(bucket, 'PutRecord.Success', 1);
    addStat(bucket, 'IncomingBytes', size);
    addStat(bucket, 'IncomingRecords', 1);
    addStat(bucket, 'WriteProvisionedThroughputExceeded', 0);
    return { ShardId: shard.id, SequenceNumber: seq, EncryptionType: 'NONE' };
  }

  putRecords(
    input: StreamRef & { Records: PutRecordsEntry[] },
    ownsData = false,
  ): {
    FailedRecordCount: number;
    Records: PutRecordsResultEntry[];
    EncryptionType: 'NONE';
  } {
    const records = input.Records;
    if (records.length < 1) {
      throw constraint('records', '[]', 'Member must have length greater than or equal to 1');
    }
    if (records.length > 500) {
      throw constraint(
        'records',
        `${records.length} records`,
        'Member must have length less than or equal to 500',
      );
    }
    let total = 0;
    records.forEach((r, i) => {
      validateRecord(r, `records.${i + 1}.member.`);
      total += recordSize(r);
    });
    if (total > MAX_PUT_RECORDS_REQUEST_BYTES) {
      throw invalidArgument(
        `Records size exceeds 5 MB limit: the request holds ${total} bytes of data and partition keys.`,
      );
    }
    const stream = this.store.requireWritable(input);
    const now = this.store.clock.now();
    const results: PutRecordsResultEntry[] = [];
    let failed = 0;
    let acceptedBytes = 0;
    for (const r of records) {
      const shard = route(stream, r);
      const size = recordSize(r);
      const admitted = admit(shard, size, now);
      if (stream.shardLevelMetrics.size) this.shardMetrics(stream, shard, now, admitted, size);
      if (admitted) {
        const seq = this.storeRecord(stream, shard, r, size, now, ownsData);
        acceptedBytes += size;
        results.push({ SequenceNumber: seq, ShardId: shard.id });
      } else {
        failed++;
        results.push({
          ErrorCode: 'ProvisionedThroughputExceededException',
          ErrorMessage: this.rateMessage(stream, shard),
        });
      }
    }
    const accepted = records.length - failed;
    const bucket = this.metrics.bucket(stream.name, now);
    addStat(bucket, 'PutRecords.Bytes', acceptedBytes);
    addStat(bucket, 'PutRecords.TotalRecords', records.length);
    addStat(bucket, 'PutRecords.SuccessfulRecords', accepted);
    // Throttling is the only way a record fails here; FailedRecords counts internal failures.
    addStat(bucket, 'PutRecords.FailedRecords', 0);
    addStat(bucket, 'PutRecords.ThrottledRecords', failed);
    addStat(bucket, 'PutRecords.Success', 1);
    addStat(bucket, 'IncomingBytes', acceptedBytes);
    addStat(bucket, 'IncomingRecords', accepted);
    addStat(bucket, 'WriteProvisionedThroughputExceeded', failed);
    return { FailedRecordCount: failed, Records: results, EncryptionType: 'NONE' };
  }

  /**
   * Offers aggregate traffic for `seconds` starting now, spread evenly over the open shards, with
   * the per-shard caps applied per second. Stores no records; publishes the PutRecords metrics a
   * producer sending one PutRecords call per second would cause. O(open shards + minutes spanned).
   */
  ingest(streamName: string, input: IngestInput): IngestResult {
    const { bytesPerSecond: B, recordsPerSecond: R, seconds } = input;
    for (const k of ['bytesPerSecond', 'recordsPerSecond', 'seconds'] as const) {
      const v = input[k];
      if (!Number.isFinite(v) || v < 0) {
        throw new RangeError(`ingest: ${k} must be a finite number >= 0, got ${v}`);
      }
    }
    const stream = this.store.requireWritable({ StreamName: streamName });
    if (seconds === 0 || R === 0) {
      return { acceptedBytes: 0, acceptedRecords: 0, throttledRecords: 0, throttledBytes: 0 };
    }
    // Each shard takes its share of the traffic up to its caps; the hot shards throttle first.
    let refused = 0;
    if (input.shareOf) {
      for (const share of this.sharesOf(stream.open, input.shareOf)) {
        refused += refusedShare(share, R, B);
      }
    } else {
      refused = stream.open.length * refusedShare(1 / stream.open.length, R, B);
    }
    const fraction = 1 - refused;
    const okRecords = R * fraction;
    const okBytes = B * fraction;
    const throttledPerSecond = refused === 0 ? 0 : R - okRecords;
    const start = this.store.clock.now();
    const end = start + seconds * 1000;
    for (let m = Math.floor(start / MINUTE_MS) * MINUTE_MS; m < end; m += MINUTE_MS) {
      const secs = (Math.min(end, m + MINUTE_MS) - Math.max(start, m)) / 1000;
      const samples = Math.max(1, Math.round(secs));
      // Sums must be exact (secs x rate); the per-second values are the samples' min and max.
      const bucket = this.metrics.bucket(stream.name, m);
      putPerSecond(bucket, 'PutRecords.Bytes', okBytes, samples, secs);
      putPerSecond(bucket, 'PutRecords.TotalRecords', R, samples, secs);
      putPerSecond(bucket, 'PutRecords.SuccessfulRecords', okRecords, samples, secs);
      putPerSecond(bucket, 'PutRecords.FailedRecords', 0, samples, secs);
      putPerSecond(bucket, 'PutRecords.ThrottledRecords', throttledPerSecond, samples, secs);
      putPerSecond(bucket, 'PutRecords.Success', 1, samples, secs);
      putPerSecond(bucket, 'IncomingBytes', okBytes, samples, secs);
      putPerSecond(bucket, 'IncomingRecords', okRecords, samples, secs);
      putPerSecond(bucket, 'WriteProvisionedThroughputExceeded', throttledPerSecond, samples, secs);
    }
    const acceptedRecords = okRecords * seconds;
    const acceptedBytes = okBytes * seconds;
    return {
      acceptedBytes,
      acceptedRecords,
      throttledRecords: refused === 0 ? 0 : R * seconds - acceptedRecords,
      throttledBytes: refused === 0 ? 0 : B * seconds - acceptedBytes,
    };
  }

  /**
   * Each open shard's share of the traffic, in shard order. A simulation ingests 60 times a
   * simulated minute, while the open shards change only when a reshard ends (which replaces
   * `stream.open`), so the shares are kept per open-shard list and share function.
   */
  private sharesOf(
    open: readonly ShardState[],
    shareOf: (start: bigint, end: bigint) => number,
  ): Float64Array {
    const cached = this.shares.get(open);
    if (cached?.shareOf === shareOf) return cached.shares;
    const shares = Float64Array.from(open, (shard) => shareOf(shard.start, shard.end));
    this.shares.set(open, { shareOf, shares });
    return shares;
  }

  private storeRecord(
    stream: StreamState,
    shard: ShardState,
    r: PutRecordsEntry,
    size: number,
    now: number,
    ownsData: boolean,
  ): string {
    const record = {
      pos: shard.nextPos++,
      // A copy unless handed over: the caller may reuse its buffer.
      data: ownsData ? r.Data : new Uint8Array(r.Data),
      partitionKey: r.PartitionKey,
      arrival: now,
      size,
    };
    this.store.append(stream, shard, record);
    return this.store.sequenceOf(shard, record);
  }

  /** Enhanced (shard-level) write metrics, for the ones enabled on the stream. */
  private shardMetrics(
    stream: StreamState,
    shard: ShardState,
    now: number,
    admitted: boolean,
    size: number,
  ): void {
    const on = stream.shardLevelMetrics;
    const b = this.metrics.shardBucket(stream.name, shard.id, now);
    if (on.has('IncomingBytes')) addStat(b, 'IncomingBytes', admitted ? size : 0);
    if (on.has('IncomingRecords')) addStat(b, 'IncomingRecords', admitted ? 1 : 0);
    if (on.has('WriteProvisionedThroughputExceeded'))
      addStat(b, 'WriteProvisionedThroughputExceeded', admitted ? 0 : 1);
  }

  private rateMessage(stream: StreamState, shard: ShardState): string {
    return `Rate exceeded for shard ${shard.id} in stream ${stream.name} under account ${this.store.accountId}.`;
  }
}

function route(
  stream: StreamState,
  r: { PartitionKey: string; ExplicitHashKey?: string | undefined },
): ShardState {
  const key =
    r.ExplicitHashKey !== undefined ? BigInt(r.ExplicitHashKey) : hashKeyOf(r.PartitionKey);
  const open = stream.open;
  let lo = 0;
  let hi = open.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (open[mid]!.start <= key) lo = mid;
    else hi = mid - 1;
  }
  return open[lo]!;
}

function admit(shard: ShardState, size: number, now: number): boolean {
  const second = Math.floor(now / 1000);
  if (shard.winSecond !== second) {
    shard.winSecond = second;
    shard.winBytes = 0;
    shard.winRecords = 0;
  }
  if (shard.winRecords + 1 > SHARD_WRITE_RECORDS_PER_SECOND) return false;
  if (shard.winBytes > 0 && shard.winBytes + size > SHARD_WRITE_BYTES_PER_SECOND) return false;
  shard.winRecords++;
  shard.winBytes += size;
  return true;
}
