/**
 * Kinesis Data Streams state and rules for one region, without HTTP.
 *
 * Resharding-time model: UpdateShardCount puts the stream in UPDATING for `reshardingMs` of clock
 * time; during that time the old shards stay open and take reads and writes at their old capacity.
 * When the time is up the whole reshard happens at once, as the splits and merges AWS would run:
 * every old open shard is split at the new uniform boundaries that fall inside it, then pieces that
 * belong to the same new shard are merged pairwise. Pieces and partial merges are short-lived shards
 * (created and closed at the same instant, no records) so lineage stays a chain of real
 * split/merge steps with at most two parents per shard. The account shard quota is checked against
 * the peak open count of that plan (all pieces open at once), which is how the temporary shards of
 * resharding count against it.
 *
 * Throughput rule: every shard admits at most 1 MiB and 1,000 records per clock second (the window
 * is the integer second `floor(now / 1000)`); a record's size is its data plus its partition key
 * bytes. The first record of a second is always admitted by size so a maximal 1 MiB record can be
 * written at all. `ingest` applies the same per-shard caps to aggregate traffic spread evenly over the
 * open shards, with its own accounting (it does not share the per-second windows of single puts).
 */
import { createHash } from 'node:crypto';
import type { Clock, TimerHandle } from '../clock.js';
import type { MetricSink } from '../contracts.js';
import { AwsError } from '../protocol/errors.js';

export const HASH_KEY_SPACE = 1n << 128n;
export const MAX_HASH_KEY = HASH_KEY_SPACE - 1n;
export const MiB = 1024 * 1024;
export const SHARD_WRITE_BYTES_PER_SECOND = MiB;
export const SHARD_WRITE_RECORDS_PER_SECOND = 1000;
export const MAX_SCALING_OPS_PER_24H = 10;
export const MAX_SHARDS_PER_STREAM = 10_000;
export const ON_DEMAND_SHARD_COUNT = 4;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const RETENTION_HOURS = 24;
const RETENTION_MS = RETENTION_HOURS * 3_600_000;
const ITERATOR_TTL_MS = 300_000;
const NEXT_TOKEN_TTL_MS = 300_000;
const MAX_GET_RECORDS_BYTES = 10 * MiB;
const MAX_PUT_RECORDS_REQUEST_BYTES = 5 * MiB;
/** AWS sequence numbers are 56-digit decimals; a fixed width keeps string order equal to numeric order. */
const SEQ_BASE = 49n * 10n ** 54n;
const STREAM_NAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;
const LARGE_QUOTA_REGIONS = new Set(['us-east-1', 'us-west-2', 'eu-west-1']);

export type StreamStatus = 'CREATING' | 'DELETING' | 'ACTIVE' | 'UPDATING';
export type StreamMode = 'PROVISIONED' | 'ON_DEMAND';
export type ShardIteratorType =
  'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
export type ShardFilterType =
  | 'AFTER_SHARD_ID'
  | 'AT_TRIM_HORIZON'
  | 'FROM_TRIM_HORIZON'
  | 'AT_LATEST'
  | 'AT_TIMESTAMP'
  | 'FROM_TIMESTAMP';

export interface KinesisModelOptions {
  clock: Clock;
  region: string;
  accountId: string;
  metrics: MetricSink;
  /** How long a stream stays UPDATING after UpdateShardCount. */
  reshardingMs?: number;
  /** How long a new stream stays CREATING. */
  creatingMs?: number;
  /** How long a deleted stream stays DELETING before it disappears (default: creatingMs). */
  deletingMs?: number;
  accountShardLimit?: number;
}

export interface StreamRef {
  StreamName?: string | undefined;
  StreamARN?: string | undefined;
}

export interface Shard {
  ShardId: string;
  ParentShardId?: string;
  AdjacentParentShardId?: string;
  HashKeyRange: { StartingHashKey: string; EndingHashKey: string };
  SequenceNumberRange: { StartingSequenceNumber: string; EndingSequenceNumber?: string };
}

export interface ChildShard {
  ShardId: string;
  ParentShards: string[];
  HashKeyRange: { StartingHashKey: string; EndingHashKey: string };
}

export interface KinesisRecord {
  SequenceNumber: string;
  ApproximateArrivalTimestamp: Date;
  Data: Uint8Array;
  PartitionKey: string;
}

export interface StreamDescription {
  StreamName: string;
  StreamARN: string;
  StreamStatus: StreamStatus;
  StreamModeDetails: { StreamMode: StreamMode };
  Shards: Shard[];
  HasMoreShards: boolean;
  RetentionPeriodHours: number;
  StreamCreationTimestamp: Date;
  EnhancedMonitoring: { ShardLevelMetrics: string[] }[];
  EncryptionType: 'NONE';
}

export interface StreamDescriptionSummary {
  StreamName: string;
  StreamARN: string;
  StreamStatus: StreamStatus;
  StreamModeDetails: { StreamMode: StreamMode };
  RetentionPeriodHours: number;
  StreamCreationTimestamp: Date;
  EnhancedMonitoring: { ShardLevelMetrics: string[] }[];
  EncryptionType: 'NONE';
  OpenShardCount: number;
  ConsumerCount: number;
}

export interface PutRecordInput extends StreamRef {
  Data: Uint8Array;
  PartitionKey: string;
  ExplicitHashKey?: string | undefined;
  SequenceNumberForOrdering?: string | undefined;
}

export interface PutRecordsEntry {
  Data: Uint8Array;
  PartitionKey: string;
  ExplicitHashKey?: string | undefined;
}

export type PutRecordsResultEntry =
  { SequenceNumber: string; ShardId: string } | { ErrorCode: string; ErrorMessage: string };

export interface IngestInput {
  bytesPerSecond: number;
  recordsPerSecond: number;
  seconds: number;
}

export interface IngestResult {
  acceptedBytes: number;
  acceptedRecords: number;
  throttledRecords: number;
  throttledBytes: number;
}

interface StoredRecord {
  seq: bigint;
  data: Uint8Array;
  partitionKey: string;
  arrival: number;
}

interface ShardState {
  id: string;
  index: number;
  parent?: string;
  adjacentParent?: string;
  start: bigint;
  end: bigint;
  startSeq: bigint;
  endSeq?: bigint;
  createdAt: number;
  closedAt?: number;
  records: StoredRecord[];
  winSecond: number;
  winBytes: number;
  winRecords: number;
}

interface StreamState {
  name: string;
  arn: string;
  status: StreamStatus;
  mode: StreamMode;
  createdAt: number;
  /** Every shard not yet expired, in id order. */
  shards: ShardState[];
  /** Open shards sorted by starting hash key, for routing writes. */
  open: ShardState[];
  nextShardIndex: number;
  tags: Map<string, string>;
  /** Clock times of accepted UpdateShardCount calls, for the rolling 24 h limit. */
  scalingOps: number[];
  timer?: TimerHandle;
  /** Peak open shards while UPDATING (the temporary shards of the planned reshard). */
  peakOpenShards?: number;
}

interface Stat {
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
};

/** The 1-based JSON member path AWS uses in validation messages. */
const constraint = (field: string, value: unknown, rule: string) =>
  new AwsError(
    'ValidationException',
    `1 validation error detected: Value ${value === undefined ? 'null' : `'${String(value)}'`} at '${field}' failed to satisfy constraint: ${rule}`,
  );

const invalidArgument = (message: string) => new AwsError('InvalidArgumentException', message);

export const shardIdFor = (index: number) => `shardId-${String(index).padStart(12, '0')}`;

/** Start of the j-th of `count` uniform hash key ranges (AWS's own split of the key space). */
export const uniformStart = (j: number, count: number) =>
  (BigInt(j) * HASH_KEY_SPACE) / BigInt(count);

export function hashKeyOf(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

function decodeToken(token: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function lowerBound(records: StoredRecord[], seq: bigint): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid]!.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function addStat(bucket: Map<string, Stat>, metric: string, value: number, samples = 1): void {
  const s = bucket.get(metric);
  if (s) {
    s.sum += value * samples;
    s.count += samples;
    s.min = Math.min(s.min, value);
    s.max = Math.max(s.max, value);
  } else {
    bucket.set(metric, { sum: value * samples, count: samples, min: value, max: value });
  }
}

export class KinesisModel {
  readonly region: string;
  readonly accountId: string;
  readonly accountShardLimit: number;
  private readonly clock: Clock;
  private readonly sink: MetricSink;
  private readonly reshardingMs: number;
  private readonly creatingMs: number;
  private readonly deletingMs: number;
  private readonly streams = new Map<string, StreamState>();
  private seqCounter = 0n;
  /** stream name -> minute start -> metric name -> statistic set */
  private readonly pendingMetrics = new Map<string, Map<number, Map<string, Stat>>>();
  private readonly timers = new Set<TimerHandle>();
  private alignTimer: TimerHandle | undefined;
  private minuteTimer: TimerHandle | undefined;

  constructor(opts: KinesisModelOptions) {
    this.clock = opts.clock;
    this.region = opts.region;
    this.accountId = opts.accountId;
    this.sink = opts.metrics;
    this.reshardingMs = opts.reshardingMs ?? 30_000;
    this.creatingMs = opts.creatingMs ?? 500;
    this.deletingMs = opts.deletingMs ?? this.creatingMs;
    this.accountShardLimit =
      opts.accountShardLimit ?? (LARGE_QUOTA_REGIONS.has(opts.region) ? 20_000 : 1_000);
    // A minute's datum can only be published once the minute is over, so tick on minute boundaries.
    const now = this.clock.now();
    const toBoundary = MINUTE_MS - (((now % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
    this.alignTimer = this.clock.setTimeout(() => {
      this.alignTimer = undefined;
      this.minuteTimer = this.clock.setInterval(() => this.onMinute(), MINUTE_MS);
      this.onMinute();
    }, toBoundary);
  }

  dispose(): void {
    if (this.alignTimer) this.clock.clearTimer(this.alignTimer);
    if (this.minuteTimer) this.clock.clearTimer(this.minuteTimer);
    this.alignTimer = undefined;
    this.minuteTimer = undefined;
    for (const t of this.timers) this.clock.clearTimer(t);
    this.timers.clear();
  }

  // ---------------------------------------------------------------- streams

  createStream(input: {
    StreamName: string;
    ShardCount?: number | undefined;
    StreamModeDetails?: { StreamMode: StreamMode } | undefined;
    Tags?: Record<string, string> | undefined;
  }): void {
    validateStreamName(input.StreamName, 'streamName');
    const mode = input.StreamModeDetails?.StreamMode ?? 'PROVISIONED';
    if (mode !== 'PROVISIONED' && mode !== 'ON_DEMAND') {
      throw constraint(
        'streamModeDetails.streamMode',
        mode,
        'Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]',
      );
    }
    let count: number;
    if (mode === 'ON_DEMAND') {
      if (input.ShardCount !== undefined) {
        throw new AwsError(
          'ValidationException',
          'ShardCount must not be specified for a stream in ON_DEMAND capacity mode',
        );
      }
      count = ON_DEMAND_SHARD_COUNT;
    } else {
      if (input.ShardCount === undefined) {
        throw invalidArgument('ShardCount is required for a stream in PROVISIONED capacity mode');
      }
      validateInt(input.ShardCount, 'shardCount', 1, 100_000);
      count = input.ShardCount;
    }
    if (input.Tags) validateTags(input.Tags, 'tags');
    if (this.streams.has(input.StreamName)) {
      throw new AwsError(
        'ResourceInUseException',
        `Stream ${input.StreamName} under account ${this.accountId} already exists.`,
      );
    }
    if (count > MAX_SHARDS_PER_STREAM) {
      throw new AwsError(
        'LimitExceededException',
        `A stream cannot have more than ${MAX_SHARDS_PER_STREAM} shards; requested ${count}.`,
      );
    }
    if (mode === 'PROVISIONED') this.checkAccountQuota(count);
    const now = this.clock.now();
    const stream: StreamState = {
      name: input.StreamName,
      arn: this.arnOf(input.StreamName),
      status: 'CREATING',
      mode,
      createdAt: now,
      shards: [],
      open: [],
      nextShardIndex: 0,
      tags: new Map(Object.entries(input.Tags ?? {})),
      scalingOps: [],
    };
    for (let j = 0; j < count; j++) {
      this.newShard(stream, uniformStart(j, count), uniformStart(j + 1, count) - 1n, now);
    }
    stream.open = [...stream.shards];
    this.streams.set(stream.name, stream);
    this.schedule(stream, this.creatingMs, () => {
      stream.status = 'ACTIVE';
    });
  }

  deleteStream(ref: StreamRef): void {
    const stream = this.requireStream(ref);
    if (stream.status === 'DELETING') return;
    stream.status = 'DELETING';
    this.schedule(stream, this.deletingMs, () => {
      if (this.streams.get(stream.name) === stream) this.streams.delete(stream.name);
    });
  }

  describeStream(
    input: StreamRef & { Limit?: number | undefined; ExclusiveStartShardId?: string | undefined },
  ): { StreamDescription: StreamDescription } {
    if (input.Limit !== undefined) validateInt(input.Limit, 'limit', 1, 10_000);
    const stream = this.requireStream(input);
    this.expire(stream);
    const after = input.ExclusiveStartShardId
      ? shardIndexOf(input.ExclusiveStartShardId, 'exclusiveStartShardId')
      : -1;
    const candidates = stream.shards.filter((s) => s.index > after);
    const limit = input.Limit ?? 100;
    return {
      StreamDescription: {
        StreamName: stream.name,
        StreamARN: stream.arn,
        StreamStatus: stream.status,
        StreamModeDetails: { StreamMode: stream.mode },
        Shards: candidates.slice(0, limit).map((s) => this.shardView(s)),
        HasMoreShards: candidates.length > limit,
        RetentionPeriodHours: RETENTION_HOURS,
        StreamCreationTimestamp: new Date(stream.createdAt),
        EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
        EncryptionType: 'NONE',
      },
    };
  }

  describeStreamSummary(ref: StreamRef): { StreamDescriptionSummary: StreamDescriptionSummary } {
    const stream = this.requireStream(ref);
    return {
      StreamDescriptionSummary: {
        StreamName: stream.name,
        StreamARN: stream.arn,
        StreamStatus: stream.status,
        StreamModeDetails: { StreamMode: stream.mode },
        RetentionPeriodHours: RETENTION_HOURS,
        StreamCreationTimestamp: new Date(stream.createdAt),
        EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
        EncryptionType: 'NONE',
        OpenShardCount: stream.open.length,
        ConsumerCount: 0,
      },
    };
  }

  listStreams(
    input: {
      Limit?: number | undefined;
      ExclusiveStartStreamName?: string | undefined;
      NextToken?: string | undefined;
    } = {},
  ): {
    StreamNames: string[];
    HasMoreStreams: boolean;
    NextToken?: string;
    StreamSummaries: {
      StreamName: string;
      StreamARN: string;
      StreamStatus: StreamStatus;
      StreamModeDetails: { StreamMode: StreamMode };
      StreamCreationTimestamp: Date;
    }[];
  } {
    if (input.Limit !== undefined) validateInt(input.Limit, 'limit', 1, 10_000);
    let after = input.ExclusiveStartStreamName;
    if (input.NextToken !== undefined) {
      const token = decodeToken(input.NextToken);
      if (!token || typeof token.after !== 'string') {
        throw invalidArgument(`Invalid NextToken: ${input.NextToken}`);
      }
      after = token.after;
    }
    const names = [...this.streams.keys()].sort().filter((n) => after === undefined || n > after);
    const limit = input.Limit ?? 100;
    const page = names.slice(0, limit);
    const more = names.length > limit;
    const result: ReturnType<KinesisModel['listStreams']> = {
      StreamNames: page,
      HasMoreStreams: more,
      StreamSummaries: page.map((n) => {
        const s = this.streams.get(n)!;
        return {
          StreamName: s.name,
          StreamARN: s.arn,
          StreamStatus: s.status,
          StreamModeDetails: { StreamMode: s.mode },
          StreamCreationTimestamp: new Date(s.createdAt),
        };
      }),
    };
    if (more) result.NextToken = encodeToken({ after: page[page.length - 1] });
    return result;
  }

  listShards(
    input: StreamRef & {
      NextToken?: string | undefined;
      ExclusiveStartShardId?: string | undefined;
      MaxResults?: number | undefined;
      StreamCreationTimestamp?: Date | undefined;
      ShardFilter?:
        | { Type: ShardFilterType; ShardId?: string | undefined; Timestamp?: Date | undefined }
        | undefined;
    },
  ): { Shards: Shard[]; NextToken?: string } {
    if (input.MaxResults !== undefined) validateInt(input.MaxResults, 'maxResults', 1, 10_000);
    const now = this.clock.now();
    let stream: StreamState;
    let after: number;
    let filter: { Type: ShardFilterType; ShardId?: string; Timestamp?: number } | undefined;
    if (input.NextToken !== undefined) {
      if (input.StreamName !== undefined || input.StreamARN !== undefined) {
        throw invalidArgument('NextToken and StreamName or StreamARN cannot be provided together.');
      }
      if (input.ExclusiveStartShardId !== undefined) {
        throw invalidArgument('NextToken and ExclusiveStartShardId cannot be provided together.');
      }
      const token = decodeToken(input.NextToken);
      if (
        !token ||
        typeof token.stream !== 'string' ||
        typeof token.created !== 'number' ||
        typeof token.after !== 'number' ||
        typeof token.issued !== 'number'
      ) {
        throw invalidArgument(`Invalid NextToken: ${input.NextToken}`);
      }
      if (now - token.issued > NEXT_TOKEN_TTL_MS) {
        throw new AwsError(
          'ExpiredNextTokenException',
          `The NextToken has expired: it was issued ${now - token.issued} ms ago and is valid for ${NEXT_TOKEN_TTL_MS} ms.`,
        );
      }
      const s = this.streams.get(token.stream);
      if (!s || s.createdAt !== token.created) throw this.notFound(token.stream);
      stream = s;
      after = token.after;
      filter = token.filter as typeof filter;
    } else {
      if (input.StreamName === undefined && input.StreamARN === undefined) {
        throw invalidArgument('Either NextToken or StreamName/StreamARN must be provided.');
      }
      stream = this.requireStream(input);
      if (
        input.StreamCreationTimestamp !== undefined &&
        input.StreamCreationTimestamp.getTime() !== stream.createdAt
      ) {
        throw this.notFound(stream.name);
      }
      after = input.ExclusiveStartShardId
        ? shardIndexOf(input.ExclusiveStartShardId, 'exclusiveStartShardId')
        : -1;
      if (input.ShardFilter) {
        const f = input.ShardFilter;
        filter = { Type: f.Type };
        if (f.Type === 'AFTER_SHARD_ID') {
          if (!f.ShardId) {
            throw invalidArgument('ShardFilter.ShardId is required for type AFTER_SHARD_ID.');
          }
          filter.ShardId = f.ShardId;
        }
        if (f.Type === 'AT_TIMESTAMP' || f.Type === 'FROM_TIMESTAMP') {
          if (!f.Timestamp) {
            throw invalidArgument(`ShardFilter.Timestamp is required for type ${f.Type}.`);
          }
          filter.Timestamp = f.Timestamp.getTime();
        }
      }
    }
    this.expire(stream);
    const horizon = Math.max(now - RETENTION_MS, stream.createdAt);
    const openAt = (s: ShardState, t: number) =>
      s.createdAt <= t && (s.closedAt === undefined || s.closedAt > t);
    const matches = (s: ShardState): boolean => {
      if (!filter) return true;
      switch (filter.Type) {
        case 'AFTER_SHARD_ID':
          return s.index > shardIndexOf(filter.ShardId ?? '', 'shardFilter.shardId');
        case 'AT_LATEST':
          return s.closedAt === undefined;
        case 'AT_TRIM_HORIZON':
          return openAt(s, horizon);
        case 'FROM_TRIM_HORIZON':
          return s.closedAt === undefined || s.closedAt > horizon;
        case 'AT_TIMESTAMP':
          return openAt(s, filter.Timestamp ?? now);
        case 'FROM_TIMESTAMP':
          return s.closedAt === undefined || s.closedAt > (filter.Timestamp ?? now);
        default:
          throw constraint(
            'shardFilter.type',
            (filter as { Type: string }).Type,
            'Member must satisfy enum value set: [AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]',
          );
      }
    };
    const candidates = stream.shards.filter((s) => s.index > after && matches(s));
    // AWS caps a page at 1000 shards whatever MaxResults says.
    const limit = Math.min(input.MaxResults ?? 1000, 1000);
    const page = candidates.slice(0, limit);
    const result: { Shards: Shard[]; NextToken?: string } = {
      Shards: page.map((s) => this.shardView(s)),
    };
    if (candidates.length > limit) {
      result.NextToken = encodeToken({
        stream: stream.name,
        created: stream.createdAt,
        after: page[page.length - 1]!.index,
        filter,
        issued: now,
      });
    }
    return result;
  }

  describeLimits(): {
    ShardLimit: number;
    OpenShardCount: number;
    OnDemandStreamCount: number;
    OnDemandStreamCountLimit: number;
  } {
    let onDemand = 0;
    for (const s of this.streams.values()) if (s.mode === 'ON_DEMAND') onDemand++;
    return {
      ShardLimit: this.accountShardLimit,
      OpenShardCount: this.accountOpenShards(),
      OnDemandStreamCount: onDemand,
      OnDemandStreamCountLimit: 50,
    };
  }

  // ---------------------------------------------------------------- resharding

  updateShardCount(input: StreamRef & { TargetShardCount: number; ScalingType: string }): {
    StreamName: string;
    StreamARN: string;
    CurrentShardCount: number;
    TargetShardCount: number;
  } {
    validateInt(input.TargetShardCount, 'targetShardCount', 1, 100_000);
    if (input.ScalingType !== 'UNIFORM_SCALING') {
      throw constraint(
        'scalingType',
        input.ScalingType,
        'Member must satisfy enum value set: [UNIFORM_SCALING]',
      );
    }
    const stream = this.requireStream(input);
    if (stream.mode === 'ON_DEMAND') {
      throw new AwsError(
        'ValidationException',
        `UpdateShardCount is not supported for stream ${stream.name} under account ${this.accountId} because it is in ON_DEMAND capacity mode.`,
      );
    }
    if (stream.status !== 'ACTIVE') {
      throw new AwsError(
        'ResourceInUseException',
        `Stream ${stream.name} under account ${this.accountId} not ACTIVE, instead in state ${stream.status}`,
      );
    }
    const current = stream.open.length;
    const target = input.TargetShardCount;
    if (target === current) {
      throw invalidArgument(
        `UpdateShardCount target shard count ${target} is the same as the current open shard count of stream ${stream.name} under account ${this.accountId}.`,
      );
    }
    if (target > 2 * current) {
      throw new AwsError(
        'LimitExceededException',
        `UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: ${current}, Target shard count: ${target}`,
      );
    }
    if (2 * target < current) {
      throw new AwsError(
        'LimitExceededException',
        `UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: ${current}, Target shard count: ${target}`,
      );
    }
    if (target > MAX_SHARDS_PER_STREAM) {
      throw new AwsError(
        'LimitExceededException',
        `UpdateShardCount cannot scale up over ${MAX_SHARDS_PER_STREAM} shards in a stream. Current open shard count: ${current}, Target shard count: ${target}`,
      );
    }
    const now = this.clock.now();
    stream.scalingOps = stream.scalingOps.filter((t) => t > now - DAY_MS);
    if (stream.scalingOps.length >= MAX_SCALING_OPS_PER_24H) {
      const nextAllowed = new Date(stream.scalingOps[0]! + DAY_MS).toISOString();
      throw new AwsError(
        'LimitExceededException',
        `UpdateShardCount cannot be called more than ${MAX_SCALING_OPS_PER_24H} times in a rolling 24 hour period for stream ${stream.name} under account ${this.accountId}. The next scaling operation is allowed after ${nextAllowed}.`,
      );
    }
    const peak = peakOpenDuringReshard(stream.open, target);
    this.checkAccountQuota(peak - current);
    stream.scalingOps.push(now);
    stream.status = 'UPDATING';
    stream.peakOpenShards = peak;
    this.schedule(stream, this.reshardingMs, () => {
      this.reshard(stream, target);
      stream.status = 'ACTIVE';
      delete stream.peakOpenShards;
    });
    return {
      StreamName: stream.name,
      StreamARN: stream.arn,
      CurrentShardCount: current,
      TargetShardCount: target,
    };
  }

  /** Number of UpdateShardCount calls still allowed in the current rolling 24 hours. */
  scalingOperationsLeft(ref: StreamRef): number {
    const stream = this.requireStream(ref);
    const now = this.clock.now();
    return MAX_SCALING_OPS_PER_24H - stream.scalingOps.filter((t) => t > now - DAY_MS).length;
  }

  private reshard(stream: StreamState, target: number): void {
    const now = this.clock.now();
    const bounds: bigint[] = [];
    for (let j = 0; j <= target; j++) bounds.push(uniformStart(j, target));
    const pieces: ShardState[] = [];
    let k = 0;
    for (const old of stream.open) {
      let current = old;
      while (k < bounds.length && bounds[k]! <= old.start) k++;
      for (; k < bounds.length && bounds[k]! <= old.end; k++) {
        const b = bounds[k]!;
        this.closeShard(current, now);
        const left = this.newShard(stream, current.start, b - 1n, now, current.id);
        const right = this.newShard(stream, b, current.end, now, current.id);
        pieces.push(left);
        current = right;
      }
      pieces.push(current);
    }
    const finals: ShardState[] = [];
    let i = 0;
    for (let j = 0; j < target; j++) {
      const end = bounds[j + 1]! - 1n;
      let acc = pieces[i++]!;
      while (acc.end < end) {
        const next = pieces[i++]!;
        this.closeShard(acc, now);
        this.closeShard(next, now);
        acc = this.newShard(stream, acc.start, next.end, now, acc.id, next.id);
      }
      finals.push(acc);
    }
    stream.open = finals;
  }

  private newShard(
    stream: StreamState,
    start: bigint,
    end: bigint,
    now: number,
    parent?: string,
    adjacentParent?: string,
  ): ShardState {
    const shard: ShardState = {
      id: shardIdFor(stream.nextShardIndex),
      index: stream.nextShardIndex++,
      start,
      end,
      startSeq: this.nextSeq(),
      createdAt: now,
      records: [],
      winSecond: -1,
      winBytes: 0,
      winRecords: 0,
    };
    if (parent !== undefined) shard.parent = parent;
    if (adjacentParent !== undefined) shard.adjacentParent = adjacentParent;
    stream.shards.push(shard);
    return shard;
  }

  private closeShard(shard: ShardState, now: number): void {
    if (shard.closedAt !== undefined) return;
    shard.closedAt = now;
    shard.endSeq = this.nextSeq();
  }

  private checkAccountQuota(additional: number): void {
    const current = this.accountOpenShards();
    if (current + additional > this.accountShardLimit) {
      throw new AwsError(
        'LimitExceededException',
        `This request would exceed the shard limit for the account ${this.accountId} in ${this.region}. Current shard count for the account: ${current}. Limit: ${this.accountShardLimit}. Number of additional shards that would have resulted from this request: ${additional}. Refer to the AWS Service Limits page (https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.`,
      );
    }
  }

  /** Open provisioned shards in the account, counting a resharding stream at its planned peak. */
  private accountOpenShards(): number {
    let total = 0;
    for (const s of this.streams.values()) {
      if (s.mode !== 'PROVISIONED' || s.status === 'DELETING') continue;
      total += s.peakOpenShards ?? s.open.length;
    }
    return total;
  }

  // ---------------------------------------------------------------- writes

  putRecord(input: PutRecordInput): {
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
    const stream = this.requireWritable(input);
    const shard = this.route(stream, input);
    const size = recordSize(input);
    const now = this.clock.now();
    const bucket = this.bucket(stream.name, now);
    if (!this.admit(shard, size, now)) {
      addStat(bucket, 'PutRecord.Success', 0);
      addStat(bucket, 'IncomingBytes', 0);
      addStat(bucket, 'IncomingRecords', 0);
      addStat(bucket, 'WriteProvisionedThroughputExceeded', 1);
      throw new AwsError('ProvisionedThroughputExceededException', this.rateMessage(stream, shard));
    }
    const seq = this.store(shard, input, now);
    addStat(bucket, 'PutRecord.Bytes', size);
    addStat(bucket, 'PutRecord.Success', 1);
    addStat(bucket, 'IncomingBytes', size);
    addStat(bucket, 'IncomingRecords', 1);
    addStat(bucket, 'WriteProvisionedThroughputExceeded', 0);
    return { ShardId: shard.id, SequenceNumber: seq.toString(), EncryptionType: 'NONE' };
  }

  putRecords(input: StreamRef & { Records: PutRecordsEntry[] }): {
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
    const stream = this.requireWritable(input);
    const now = this.clock.now();
    const results: PutRecordsResultEntry[] = [];
    let failed = 0;
    let acceptedBytes = 0;
    for (const r of records) {
      const shard = this.route(stream, r);
      const size = recordSize(r);
      if (this.admit(shard, size, now)) {
        const seq = this.store(shard, r, now);
        acceptedBytes += size;
        results.push({ SequenceNumber: seq.toString(), ShardId: shard.id });
      } else {
        failed++;
        results.push({
          ErrorCode: 'ProvisionedThroughputExceededException',
          ErrorMessage: this.rateMessage(stream, shard),
        });
      }
    }
    const accepted = records.length - failed;
    const bucket = this.bucket(stream.name, now);
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
    for (const [k, v] of Object.entries(input)) {
      if (!Number.isFinite(v) || v < 0) {
        throw new RangeError(`ingest: ${k} must be a finite number >= 0, got ${v}`);
      }
    }
    const stream = this.requireWritable({ StreamName: streamName });
    if (seconds === 0 || R === 0) {
      return { acceptedBytes: 0, acceptedRecords: 0, throttledRecords: 0, throttledBytes: 0 };
    }
    const shards = stream.open.length;
    const perShardBytes = B / shards;
    const perShardRecords = R / shards;
    const fraction = Math.min(
      1,
      SHARD_WRITE_RECORDS_PER_SECOND / perShardRecords,
      perShardBytes > 0 ? SHARD_WRITE_BYTES_PER_SECOND / perShardBytes : 1,
    );
    const okRecords = R * fraction;
    const okBytes = B * fraction;
    const throttledPerSecond = R - okRecords;
    const start = this.clock.now();
    const end = start + seconds * 1000;
    for (let m = Math.floor(start / MINUTE_MS) * MINUTE_MS; m < end; m += MINUTE_MS) {
      const secs = (Math.min(end, m + MINUTE_MS) - Math.max(start, m)) / 1000;
      const samples = Math.max(1, Math.round(secs));
      // Sums must be exact (secs x rate); the per-second values are the samples' min and max.
      const bucket = this.bucket(stream.name, m);
      const put = (metric: string, perSecond: number) => {
        addStat(bucket, metric, perSecond, samples);
        bucket.get(metric)!.sum += perSecond * (secs - samples);
      };
      put('PutRecords.Bytes', okBytes);
      put('PutRecords.TotalRecords', R);
      put('PutRecords.SuccessfulRecords', okRecords);
      put('PutRecords.FailedRecords', 0);
      put('PutRecords.ThrottledRecords', throttledPerSecond);
      put('PutRecords.Success', 1);
      put('IncomingBytes', okBytes);
      put('IncomingRecords', okRecords);
      put('WriteProvisionedThroughputExceeded', throttledPerSecond);
    }
    const acceptedRecords = okRecords * seconds;
    const acceptedBytes = okBytes * seconds;
    return {
      acceptedBytes,
      acceptedRecords,
      throttledRecords: R * seconds - acceptedRecords,
      throttledBytes: B * seconds - acceptedBytes,
    };
  }

  private route(
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

  private admit(shard: ShardState, size: number, now: number): boolean {
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

  private store(shard: ShardState, r: PutRecordsEntry, now: number): bigint {
    const seq = this.nextSeq();
    shard.records.push({
      seq,
      data: Uint8Array.from(r.Data),
      partitionKey: r.PartitionKey,
      arrival: now,
    });
    return seq;
  }

  private rateMessage(stream: StreamState, shard: ShardState): string {
    return `Rate exceeded for shard ${shard.id} in stream ${stream.name} under account ${this.accountId}.`;
  }

  // ---------------------------------------------------------------- reads

  getShardIterator(
    input: StreamRef & {
      ShardId: string;
      ShardIteratorType: ShardIteratorType;
      StartingSequenceNumber?: string | undefined;
      Timestamp?: Date | undefined;
    },
  ): { ShardIterator: string } {
    const stream = this.requireStream(input);
    if (stream.status === 'CREATING' || stream.status === 'DELETING')
      throw this.notFound(stream.name);
    this.expire(stream);
    const shard = this.requireShard(stream, input.ShardId);
    let position: bigint;
    const type = input.ShardIteratorType;
    switch (type) {
      case 'TRIM_HORIZON':
        position = 0n;
        break;
      case 'LATEST':
        position = shard.endSeq ?? SEQ_BASE + this.seqCounter;
        break;
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        const raw = input.StartingSequenceNumber;
        if (raw === undefined) {
          throw invalidArgument(
            `StartingSequenceNumber is required for ShardIteratorType ${type}.`,
          );
        }
        if (!/^(0|[1-9]\d{0,128})$/.test(raw)) {
          throw constraint(
            'startingSequenceNumber',
            raw,
            'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})',
          );
        }
        const seq = BigInt(raw);
        if (seq < shard.startSeq || (shard.endSeq !== undefined && seq > shard.endSeq)) {
          throw invalidArgument(
            `Invalid StartingSequenceNumber. Sequence number ${raw} is not in the range of ${shard.id} in stream ${stream.name} under account ${this.accountId}.`,
          );
        }
        position = type === 'AT_SEQUENCE_NUMBER' ? seq : seq + 1n;
        break;
      }
      case 'AT_TIMESTAMP': {
        if (input.Timestamp === undefined) {
          throw invalidArgument('Timestamp is required for ShardIteratorType AT_TIMESTAMP.');
        }
        const t = input.Timestamp.getTime();
        const rec = shard.records.find((r) => r.arrival >= t);
        position = rec ? rec.seq : (shard.endSeq ?? SEQ_BASE + this.seqCounter);
        break;
      }
      default:
        throw constraint(
          'shardIteratorType',
          type,
          'Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]',
        );
    }
    return { ShardIterator: this.iterator(stream, shard, position) };
  }

  getRecords(input: { ShardIterator: string; Limit?: number | undefined }): {
    Records: KinesisRecord[];
    NextShardIterator?: string;
    MillisBehindLatest: number;
    ChildShards?: ChildShard[];
  } {
    if (input.Limit !== undefined) validateInt(input.Limit, 'limit', 1, 10_000);
    const now = this.clock.now();
    const it = decodeToken(input.ShardIterator);
    if (
      !it ||
      typeof it.stream !== 'string' ||
      typeof it.created !== 'number' ||
      typeof it.shard !== 'string' ||
      typeof it.pos !== 'string' ||
      typeof it.issued !== 'number' ||
      !/^\d+$/.test(it.pos)
    ) {
      throw invalidArgument(`Invalid ShardIterator: ${input.ShardIterator}`);
    }
    if (now - it.issued > ITERATOR_TTL_MS) {
      throw new AwsError(
        'ExpiredIteratorException',
        `Iterator expired. The iterator was created at time ${new Date(it.issued).toUTCString()} while right now it is ${new Date(now).toUTCString()} which is further in the future than the tolerated delay of ${ITERATOR_TTL_MS} milliseconds.`,
      );
    }
    const stream = this.streams.get(it.stream);
    if (!stream || stream.createdAt !== it.created || stream.status === 'DELETING') {
      throw this.notFound(it.stream);
    }
    this.expire(stream);
    const shard = this.requireShard(stream, it.shard);
    const limit = input.Limit ?? 10_000;
    const from = lowerBound(shard.records, BigInt(it.pos));
    const out: KinesisRecord[] = [];
    let bytes = 0;
    let i = from;
    while (i < shard.records.length && out.length < limit) {
      const r = shard.records[i]!;
      if (out.length > 0 && bytes + r.data.length > MAX_GET_RECORDS_BYTES) break;
      bytes += r.data.length;
      out.push({
        SequenceNumber: r.seq.toString(),
        ApproximateArrivalTimestamp: new Date(r.arrival),
        Data: r.data,
        PartitionKey: r.partitionKey,
      });
      i++;
    }
    const last = shard.records[i - 1];
    const nextPos = out.length > 0 && last ? last.seq + 1n : BigInt(it.pos);
    const remaining = i < shard.records.length;
    const result: ReturnType<KinesisModel['getRecords']> = {
      Records: out,
      MillisBehindLatest: remaining ? now - shard.records[i]!.arrival : 0,
    };
    if (shard.closedAt !== undefined && !remaining) {
      result.ChildShards = this.childrenOf(stream, shard);
    } else {
      result.NextShardIterator = this.iterator(stream, shard, nextPos);
    }
    const bucket = this.bucket(stream.name, now);
    addStat(bucket, 'GetRecords.Records', out.length);
    addStat(bucket, 'GetRecords.Bytes', bytes);
    addStat(bucket, 'GetRecords.Success', 1);
    // AWS measures the age of the last record returned; a caught-up reader has age 0.
    addStat(
      bucket,
      'GetRecords.IteratorAgeMilliseconds',
      out.length > 0 && last ? now - last.arrival : 0,
    );
    return result;
  }

  private iterator(stream: StreamState, shard: ShardState, pos: bigint): string {
    return encodeToken({
      stream: stream.name,
      created: stream.createdAt,
      shard: shard.id,
      pos: pos.toString(),
      issued: this.clock.now(),
    });
  }

  private childrenOf(stream: StreamState, shard: ShardState): ChildShard[] {
    return stream.shards
      .filter((s) => s.parent === shard.id || s.adjacentParent === shard.id)
      .map((s) => ({
        ShardId: s.id,
        ParentShards: s.adjacentParent ? [s.parent!, s.adjacentParent] : [s.parent!],
        HashKeyRange: { StartingHashKey: s.start.toString(), EndingHashKey: s.end.toString() },
      }));
  }

  // ---------------------------------------------------------------- tags

  addTagsToStream(input: StreamRef & { Tags: Record<string, string> }): void {
    const entries = Object.entries(input.Tags);
    if (entries.length < 1 || entries.length > 10) {
      throw constraint(
        'tags',
        `${entries.length} tags`,
        'Member must have length between 1 and 10 (tags per call)',
      );
    }
    validateTags(input.Tags, 'tags');
    const stream = this.requireStream(input);
    const merged = new Map(stream.tags);
    for (const [k, v] of entries) merged.set(k, v);
    if (merged.size > 50) {
      throw invalidArgument(
        `Failed to add tags to stream ${stream.name} under account ${this.accountId} because a given stream cannot have more than 50 tags (it would have ${merged.size}).`,
      );
    }
    stream.tags = merged;
  }

  removeTagsFromStream(input: StreamRef & { TagKeys: string[] }): void {
    if (input.TagKeys.length < 1 || input.TagKeys.length > 50) {
      throw constraint(
        'tagKeys',
        `${input.TagKeys.length} keys`,
        'Member must have length between 1 and 50',
      );
    }
    const stream = this.requireStream(input);
    for (const k of input.TagKeys) stream.tags.delete(k);
  }

  listTagsForStream(
    input: StreamRef & { ExclusiveStartTagKey?: string | undefined; Limit?: number | undefined },
  ): { Tags: { Key: string; Value: string }[]; HasMoreTags: boolean } {
    if (input.Limit !== undefined) validateInt(input.Limit, 'limit', 1, 50);
    const stream = this.requireStream(input);
    const keys = [...stream.tags.keys()]
      .sort()
      .filter((k) => input.ExclusiveStartTagKey === undefined || k > input.ExclusiveStartTagKey);
    const limit = input.Limit ?? 50;
    return {
      Tags: keys.slice(0, limit).map((k) => ({ Key: k, Value: stream.tags.get(k)! })),
      HasMoreTags: keys.length > limit,
    };
  }

  // ---------------------------------------------------------------- metrics

  /**
   * Publishes every finished minute's statistics (and the current minute's too with
   * `includeCurrentMinute`, for tests that do not want to advance the clock).
   */
  flushMetrics(includeCurrentMinute = false): void {
    const now = this.clock.now();
    const cutoff = includeCurrentMinute
      ? Number.POSITIVE_INFINITY
      : Math.floor(now / MINUTE_MS) * MINUTE_MS;
    for (const [streamName, minutes] of this.pendingMetrics) {
      const ready = [...minutes.keys()].filter((m) => m < cutoff).sort((a, b) => a - b);
      for (const minute of ready) {
        for (const [metricName, s] of minutes.get(minute)!) {
          this.sink.putMetric({
            namespace: 'AWS/Kinesis',
            metricName,
            dimensions: [{ name: 'StreamName', value: streamName }],
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
      if (minutes.size === 0) this.pendingMetrics.delete(streamName);
    }
  }

  private bucket(streamName: string, at: number): Map<string, Stat> {
    const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
    let minutes = this.pendingMetrics.get(streamName);
    if (!minutes) {
      minutes = new Map();
      this.pendingMetrics.set(streamName, minutes);
    }
    let bucket = minutes.get(minute);
    if (!bucket) {
      bucket = new Map();
      minutes.set(minute, bucket);
    }
    return bucket;
  }

  private onMinute(): void {
    this.flushMetrics();
    for (const s of this.streams.values()) this.expire(s);
  }

  // ---------------------------------------------------------------- helpers

  /** Drops records past the retention period and closed shards whose data has all expired. */
  private expire(stream: StreamState): void {
    const horizon = this.clock.now() - RETENTION_MS;
    for (const s of stream.shards) {
      if (s.records.length > 0 && s.records[0]!.arrival < horizon) {
        s.records.splice(0, lowerBoundArrival(s.records, horizon));
      }
    }
    if (stream.shards.some((s) => s.closedAt !== undefined && s.closedAt <= horizon)) {
      stream.shards = stream.shards.filter((s) => s.closedAt === undefined || s.closedAt > horizon);
    }
  }

  private schedule(stream: StreamState, delayMs: number, fn: () => void): void {
    if (stream.timer) {
      this.clock.clearTimer(stream.timer);
      this.timers.delete(stream.timer);
    }
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(handle);
      if (stream.timer === handle) delete stream.timer;
      fn();
    }, delayMs);
    stream.timer = handle;
    this.timers.add(handle);
  }

  private nextSeq(): bigint {
    return SEQ_BASE + this.seqCounter++;
  }

  private arnOf(name: string): string {
    return `arn:aws:kinesis:${this.region}:${this.accountId}:stream/${name}`;
  }

  private notFound(name: string): AwsError {
    return new AwsError(
      'ResourceNotFoundException',
      `Stream ${name} under account ${this.accountId} not found.`,
    );
  }

  private nameOf(ref: StreamRef): string {
    let fromArn: string | undefined;
    if (ref.StreamARN !== undefined) {
      const m = /^arn:aws[a-z-]*:kinesis:([a-z0-9-]+):(\d{12}):stream\/([a-zA-Z0-9_.-]+)$/.exec(
        ref.StreamARN,
      );
      if (!m) {
        throw constraint(
          'streamARN',
          ref.StreamARN,
          'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+',
        );
      }
      if (m[1] !== this.region || m[2] !== this.accountId) {
        throw new AwsError(
          'ResourceNotFoundException',
          `Stream ${m[3]} under account ${m[2]} not found in region ${this.region} (ARN ${ref.StreamARN}).`,
        );
      }
      fromArn = m[3]!;
    }
    if (ref.StreamName !== undefined) {
      validateStreamName(ref.StreamName, 'streamName');
      if (fromArn !== undefined && fromArn !== ref.StreamName) {
        throw invalidArgument(
          `StreamName ${ref.StreamName} does not match the stream in StreamARN ${ref.StreamARN}.`,
        );
      }
      return ref.StreamName;
    }
    if (fromArn !== undefined) return fromArn;
    throw invalidArgument('Either StreamName or StreamARN must be provided.');
  }

  private requireStream(ref: StreamRef): StreamState {
    const name = this.nameOf(ref);
    const stream = this.streams.get(name);
    if (!stream) throw this.notFound(name);
    return stream;
  }

  /** Writes go to ACTIVE and UPDATING streams; AWS treats others as absent for data calls. */
  private requireWritable(ref: StreamRef): StreamState {
    const stream = this.requireStream(ref);
    if (stream.status !== 'ACTIVE' && stream.status !== 'UPDATING')
      throw this.notFound(stream.name);
    return stream;
  }

  private requireShard(stream: StreamState, shardId: string): ShardState {
    const shard = stream.shards.find((s) => s.id === shardId);
    if (!shard) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Shard ${shardId} in stream ${stream.name} under account ${this.accountId} does not exist`,
      );
    }
    return shard;
  }

  private shardView(s: ShardState): Shard {
    const view: Shard = {
      ShardId: s.id,
      HashKeyRange: { StartingHashKey: s.start.toString(), EndingHashKey: s.end.toString() },
      SequenceNumberRange: { StartingSequenceNumber: s.startSeq.toString() },
    };
    if (s.parent !== undefined) view.ParentShardId = s.parent;
    if (s.adjacentParent !== undefined) view.AdjacentParentShardId = s.adjacentParent;
    if (s.endSeq !== undefined) view.SequenceNumberRange.EndingSequenceNumber = s.endSeq.toString();
    return view;
  }
}

function lowerBoundArrival(records: StoredRecord[], t: number): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid]!.arrival < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Open shards at the busiest moment of the split-then-merge plan: one per piece. */
function peakOpenDuringReshard(open: ShardState[], target: number): number {
  const starts = new Set(open.map((s) => s.start));
  for (let j = 0; j < target; j++) starts.add(uniformStart(j, target));
  return starts.size;
}

function recordSize(r: { Data: Uint8Array; PartitionKey: string }): number {
  return r.Data.length + Buffer.byteLength(r.PartitionKey, 'utf8');
}

function validateStreamName(name: string, field: string): void {
  if (name.length < 1 || name.length > 128) {
    throw constraint(field, name, 'Member must have length between 1 and 128');
  }
  if (!STREAM_NAME_PATTERN.test(name)) {
    throw constraint(
      field,
      name,
      'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+',
    );
  }
}

function validateInt(value: number, field: string, min: number, max: number): void {
  if (!Number.isInteger(value)) {
    throw constraint(field, value, 'Member must be an integer');
  }
  if (value < min) {
    throw constraint(field, value, `Member must have value greater than or equal to ${min}`);
  }
  if (value > max) {
    throw constraint(field, value, `Member must have value less than or equal to ${max}`);
  }
}

function validateRecord(
  r: { Data: Uint8Array; PartitionKey: string; ExplicitHashKey?: string | undefined },
  prefix: string,
): void {
  if (r.PartitionKey.length < 1) {
    throw constraint(
      `${prefix}partitionKey`,
      r.PartitionKey,
      'Member must have length greater than or equal to 1',
    );
  }
  if (r.PartitionKey.length > 256) {
    throw constraint(
      `${prefix}partitionKey`,
      r.PartitionKey,
      'Member must have length less than or equal to 256',
    );
  }
  if (r.Data.length > MiB) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value at '${prefix}data' failed to satisfy constraint: Member must have length less than or equal to ${MiB}`,
    );
  }
  if (r.ExplicitHashKey !== undefined) {
    const ok = /^(0|[1-9]\d{0,38})$/.test(r.ExplicitHashKey);
    if (!ok || BigInt(r.ExplicitHashKey) > MAX_HASH_KEY) {
      throw invalidArgument(
        `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${r.ExplicitHashKey}`,
      );
    }
  }
}

function validateTags(tags: Record<string, string>, field: string): void {
  for (const [k, v] of Object.entries(tags)) {
    if (k.length < 1 || k.length > 128) {
      throw constraint(`${field}.key`, k, 'Member must have length between 1 and 128');
    }
    if (v.length > 256) {
      throw constraint(`${field}.value`, v, 'Member must have length less than or equal to 256');
    }
  }
}

function shardIndexOf(id: string, field: string): number {
  const m = /^shardId-(\d{1,20})$/.exec(id);
  if (!m) {
    throw constraint(field, id, 'Member must satisfy regular expression pattern: shardId-\\d+');
  }
  return Number(m[1]);
}
