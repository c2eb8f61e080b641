/**
 * Kinesis Data Streams state and rules for one region, without HTTP: the facade that the protocol
 * adapter, the emulator and simulations call. Stream lifecycle and tags live here; the
 * other concerns have their own modules:
 * - store.ts: the streams, shard creation, lookups, retention trimming;
 * - writes.ts / reads.ts: the data plane and its throughput rules;
 * - scaling.ts: UpdateShardCount and the account quota; resharding.ts: the pure resharding plan;
 * - listing.ts: ListStreams and ListShards (paging, filters);
 * - metrics.ts: per-minute CloudWatch metrics; validation.ts: value rules.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { MetricSink } from '../contracts.js';
import { AwsError } from '../protocol/errors.js';
import { Consumers } from './consumers.js';
import {
  listShards,
  listStreams,
  type ListShardsInput,
  type ListStreamsInput,
  type ListStreamsOutput,
} from './listing.js';
import {
  DAY_MS,
  DEFAULT_RETENTION_HOURS,
  MiB,
  LARGE_QUOTA_REGIONS,
  MAX_SHARDS_PER_STREAM,
  ON_DEMAND_SHARD_COUNT,
} from './limits.js';
import { addStat, KinesisMetrics, MINUTE_MS, SHARD_LEVEL_METRICS } from './metrics.js';
import { Reads, type GetRecordsOutput, type GetShardIteratorInput } from './reads.js';
import { uniformStart } from './resharding.js';
import { Scaling } from './scaling.js';
import { StreamStore } from './store.js';
import type {
  IngestInput,
  IngestResult,
  PutRecordInput,
  PutRecordsEntry,
  PutRecordsResultEntry,
  Shard,
  StreamDescription,
  StreamDescriptionSummary,
  StreamMode,
  StreamRef,
  StreamState,
} from './types.js';
import {
  constraint,
  invalidArgument,
  shardIndexOf,
  validateInt,
  validateStreamName,
  validateTags,
} from './validation.js';
import { Writes } from './writes.js';

export * from './types.js';
export { HASH_KEY_SPACE, MAX_HASH_KEY, uniformStart } from './resharding.js';
export { hashKeyOf, shardIdFor } from './store.js';
export {
  MAX_SCALING_OPS_PER_24H,
  MAX_SHARDS_PER_STREAM,
  MiB,
  ON_DEMAND_SHARD_COUNT,
  SHARD_WRITE_BYTES_PER_SECOND,
  SHARD_WRITE_RECORDS_PER_SECOND,
} from './limits.js';

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
  /**
   * Most record bytes (data plus partition keys) kept per stream, default 128 MiB. Past it the
   * oldest records are dropped before their retention period is over, so memory stays flat under
   * sustained load; the emulator's own metric `Emulator/Kinesis RecordsDroppedByByteCap` counts them.
   */
  maxStreamBytes?: number;
}

export const DEFAULT_MAX_STREAM_BYTES = 128 * MiB;

export class KinesisModel {
  readonly region: string;
  readonly accountId: string;
  readonly accountShardLimit: number;
  readonly reshardingMs: number;
  readonly store: StreamStore;
  private readonly clock: Clock;
  private readonly metrics: KinesisMetrics;
  private readonly reads: Reads;
  private readonly writes: Writes;
  private readonly scaling: Scaling;
  private readonly consumers: Consumers;
  readonly creatingMs: number;
  private readonly deletingMs: number;
  private readonly streams: Map<string, StreamState>;
  private readonly timers = new Set<TimerHandle>();
  private alignTimer: TimerHandle | undefined;
  private minuteTimer: TimerHandle | undefined;

  constructor(opts: KinesisModelOptions) {
    this.clock = opts.clock;
    this.region = opts.region;
    this.accountId = opts.accountId;
    this.store = new StreamStore(
      opts.clock,
      opts.region,
      opts.accountId,
      opts.maxStreamBytes ?? DEFAULT_MAX_STREAM_BYTES,
    );
    this.streams = this.store.streams;
    this.metrics = new KinesisMetrics(opts.metrics);
    this.reads = new Reads(this.store, this.metrics);
    this.writes = new Writes(this.store, this.metrics);
    this.reshardingMs = opts.reshardingMs ?? 30_000;
    this.creatingMs = opts.creatingMs ?? 500;
    this.deletingMs = opts.deletingMs ?? this.creatingMs;
    this.accountShardLimit =
      opts.accountShardLimit ?? (LARGE_QUOTA_REGIONS.has(opts.region) ? 20_000 : 1_000);
    this.scaling = new Scaling(this);
    this.consumers = new Consumers(this);
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
    if (mode === 'PROVISIONED') this.scaling.checkAccountQuota(count);
    const now = this.clock.now();
    const stream: StreamState = {
      name: input.StreamName,
      arn: this.store.arnOf(input.StreamName),
      status: 'CREATING',
      mode,
      createdAt: now,
      shards: [],
      open: [],
      nextShardIndex: 0,
      tags: new Map(Object.entries(input.Tags ?? {})),
      scalingOps: [],
      retentionHours: DEFAULT_RETENTION_HOURS,
      shardLevelMetrics: new Set(),
      consumers: new Map(),
      arrivals: [],
      arrivalsHead: 0,
      storedBytes: 0,
      modeChanges: [],
    };
    for (let j = 0; j < count; j++) {
      this.store.newShard(stream, uniformStart(j, count), uniformStart(j + 1, count) - 1n, now);
    }
    stream.open = [...stream.shards];
    this.streams.set(stream.name, stream);
    this.schedule(stream, this.creatingMs, () => {
      stream.status = 'ACTIVE';
    });
  }

  deleteStream(ref: StreamRef & { EnforceConsumerDeletion?: boolean | undefined }): void {
    const stream = this.store.requireStream(ref);
    if (stream.status === 'DELETING') return;
    if (stream.consumers.size > 0 && !ref.EnforceConsumerDeletion) {
      throw new AwsError(
        'ResourceInUseException',
        `Stream ${stream.name} under account ${this.accountId} has registered consumers; deregister them or set EnforceConsumerDeletion.`,
      );
    }
    stream.status = 'DELETING';
    this.schedule(stream, this.deletingMs, () => {
      if (this.streams.get(stream.name) === stream) this.streams.delete(stream.name);
    });
  }

  describeStream(
    input: StreamRef & { Limit?: number | undefined; ExclusiveStartShardId?: string | undefined },
  ): { StreamDescription: StreamDescription } {
    if (input.Limit !== undefined) validateInt(input.Limit, 'limit', 1, 10_000);
    const stream = this.store.requireStream(input);
    this.store.expire(stream);
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
        Shards: candidates.slice(0, limit).map((s) => this.store.shardView(s)),
        HasMoreShards: candidates.length > limit,
        RetentionPeriodHours: stream.retentionHours,
        StreamCreationTimestamp: new Date(stream.createdAt),
        EnhancedMonitoring: [{ ShardLevelMetrics: [...stream.shardLevelMetrics] }],
        EncryptionType: 'NONE',
      },
    };
  }

  describeStreamSummary(ref: StreamRef): { StreamDescriptionSummary: StreamDescriptionSummary } {
    const stream = this.store.requireStream(ref);
    return {
      StreamDescriptionSummary: {
        StreamName: stream.name,
        StreamARN: stream.arn,
        StreamStatus: stream.status,
        StreamModeDetails: { StreamMode: stream.mode },
        RetentionPeriodHours: stream.retentionHours,
        StreamCreationTimestamp: new Date(stream.createdAt),
        EnhancedMonitoring: [{ ShardLevelMetrics: [...stream.shardLevelMetrics] }],
        EncryptionType: 'NONE',
        OpenShardCount: stream.open.length,
        ConsumerCount: stream.consumers.size,
      },
    };
  }

  listStreams(input: ListStreamsInput = {}): ListStreamsOutput {
    return listStreams(this.store, input);
  }

  listShards(input: ListShardsInput): { Shards: Shard[]; NextToken?: string } {
    return listShards(this.store, input);
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
      OpenShardCount: this.scaling.accountOpenShards(),
      OnDemandStreamCount: onDemand,
      OnDemandStreamCountLimit: 50,
    };
  }

  // ---------------------------------------------------------------- resharding

  updateShardCount(input: StreamRef & { TargetShardCount: number; ScalingType: string }) {
    return this.scaling.updateShardCount(input);
  }

  /** Number of UpdateShardCount calls still allowed in the current rolling 24 hours. */
  scalingOperationsLeft(ref: StreamRef): number {
    return this.scaling.scalingOperationsLeft(ref);
  }

  splitShard(input: StreamRef & { ShardToSplit: string; NewStartingHashKey: string }): void {
    this.scaling.splitShard(input);
  }

  mergeShards(input: StreamRef & { ShardToMerge: string; AdjacentShardToMerge: string }): void {
    this.scaling.mergeShards(input);
  }

  /** At most twice per rolling 24 hours per stream, as AWS allows capacity mode switches. */
  updateStreamMode(input: { StreamARN: string; StreamModeDetails: { StreamMode: StreamMode } }) {
    const stream = this.store.requireStream({ StreamARN: input.StreamARN });
    const mode = input.StreamModeDetails.StreamMode;
    if (stream.status !== 'ACTIVE') {
      throw new AwsError(
        'ResourceInUseException',
        `Stream ${stream.name} under account ${this.accountId} not ACTIVE, instead in state ${stream.status}`,
      );
    }
    if (stream.mode === mode) {
      throw invalidArgument(
        `Stream ${stream.name} under account ${this.accountId} is already in ${mode} mode.`,
      );
    }
    const now = this.clock.now();
    stream.modeChanges = stream.modeChanges.filter((t) => t > now - DAY_MS);
    if (stream.modeChanges.length >= 2) {
      throw new AwsError(
        'LimitExceededException',
        `Stream ${stream.name} under account ${this.accountId} has already switched capacity mode twice in the last 24 hours.`,
      );
    }
    if (mode === 'PROVISIONED') this.scaling.checkAccountQuota(stream.open.length);
    stream.modeChanges.push(now);
    stream.status = 'UPDATING';
    this.schedule(stream, this.reshardingMs, () => {
      stream.mode = mode;
      stream.status = 'ACTIVE';
    });
  }

  // ---------------------------------------------------------------- retention and monitoring

  increaseStreamRetentionPeriod(input: StreamRef & { RetentionPeriodHours: number }): void {
    validateInt(input.RetentionPeriodHours, 'retentionPeriodHours', 1, 8760);
    const stream = this.store.requireStream(input);
    const hours = input.RetentionPeriodHours;
    if (hours < 24) {
      throw invalidArgument(
        `Minimum allowed retention period is 24 hours. Requested retention period (${hours} hours) is too short.`,
      );
    }
    if (hours < stream.retentionHours) {
      throw invalidArgument(
        `Requested retention period (${hours} hours) for stream ${stream.name} can not be shorter than existing retention period (${stream.retentionHours} hours). Use DecreaseRetentionPeriod API.`,
      );
    }
    stream.retentionHours = hours;
  }

  decreaseStreamRetentionPeriod(input: StreamRef & { RetentionPeriodHours: number }): void {
    validateInt(input.RetentionPeriodHours, 'retentionPeriodHours', 1, 8760);
    const stream = this.store.requireStream(input);
    const hours = input.RetentionPeriodHours;
    if (hours < 24) {
      throw invalidArgument(
        `Minimum allowed retention period is 24 hours. Requested retention period (${hours} hours) is too short.`,
      );
    }
    if (hours > stream.retentionHours) {
      throw invalidArgument(
        `Requested retention period (${hours} hours) for stream ${stream.name} can not be longer than existing retention period (${stream.retentionHours} hours). Use IncreaseRetentionPeriod API.`,
      );
    }
    stream.retentionHours = hours;
    this.store.expire(stream);
  }

  enableEnhancedMonitoring(input: StreamRef & { ShardLevelMetrics: string[] }) {
    return this.setMonitoring(input, true);
  }

  disableEnhancedMonitoring(input: StreamRef & { ShardLevelMetrics: string[] }) {
    return this.setMonitoring(input, false);
  }

  private setMonitoring(input: StreamRef & { ShardLevelMetrics: string[] }, on: boolean) {
    const stream = this.store.requireStream(input);
    const requested = input.ShardLevelMetrics.flatMap((m) =>
      m === 'ALL' ? [...SHARD_LEVEL_METRICS] : [m],
    );
    const current = [...stream.shardLevelMetrics];
    for (const m of requested) {
      if (on) stream.shardLevelMetrics.add(m);
      else stream.shardLevelMetrics.delete(m);
    }
    return {
      StreamName: stream.name,
      StreamARN: stream.arn,
      CurrentShardLevelMetrics: current,
      DesiredShardLevelMetrics: [...stream.shardLevelMetrics],
    };
  }

  // ---------------------------------------------------------------- consumers

  registerStreamConsumer(input: { StreamARN: string; ConsumerName: string }) {
    return this.consumers.register(input);
  }

  describeStreamConsumer(input: {
    StreamARN?: string;
    ConsumerName?: string;
    ConsumerARN?: string;
  }) {
    return this.consumers.describe(input);
  }

  deregisterStreamConsumer(input: {
    StreamARN?: string;
    ConsumerName?: string;
    ConsumerARN?: string;
  }): void {
    this.consumers.deregister(input);
  }

  listStreamConsumers(input: {
    StreamARN: string;
    NextToken?: string | undefined;
    MaxResults?: number | undefined;
    StreamCreationTimestamp?: Date | undefined;
  }) {
    return this.consumers.list(input);
  }

  // ---------------------------------------------------------------- data plane

  /** `ownsData`: the caller hands the data buffers over, so the store keeps them uncopied. */
  putRecord(
    input: PutRecordInput,
    ownsData = false,
  ): {
    ShardId: string;
    SequenceNumber: string;
    EncryptionType: 'NONE';
  } {
    return this.writes.putRecord(input, ownsData);
  }

  putRecords(
    input: StreamRef & { Records: PutRecordsEntry[] },
    ownsData = false,
  ): {
    FailedRecordCount: number;
    Records: PutRecordsResultEntry[];
    EncryptionType: 'NONE';
  } {
    return this.writes.putRecords(input, ownsData);
  }

  /**
   * Offers aggregate traffic for `seconds` starting now, spread evenly over the open shards, with
   * the per-shard caps applied per second. Stores no records (see writes.ts).
   */
  ingest(streamName: string, input: IngestInput): IngestResult {
    return this.writes.ingest(streamName, input);
  }

  getShardIterator(input: GetShardIteratorInput): { ShardIterator: string } {
    return this.reads.getShardIterator(input);
  }

  getRecords(input: { ShardIterator: string; Limit?: number | undefined }): GetRecordsOutput {
    return this.reads.getRecords(input);
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
    const stream = this.store.requireStream(input);
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
    const stream = this.store.requireStream(input);
    for (const k of input.TagKeys) stream.tags.delete(k);
  }

  listTagsForStream(
    input: StreamRef & { ExclusiveStartTagKey?: string | undefined; Limit?: number | undefined },
  ): { Tags: { Key: string; Value: string }[]; HasMoreTags: boolean } {
    if (input.Limit !== undefined) validateInt(input.Limit, 'limit', 1, 50);
    const stream = this.store.requireStream(input);
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
    this.metrics.flush(
      includeCurrentMinute ? Number.POSITIVE_INFINITY : Math.floor(now / MINUTE_MS) * MINUTE_MS,
    );
  }

  private onMinute(): void {
    for (const s of this.streams.values()) this.store.expire(s);
    const now = this.clock.now();
    for (const [name, d] of this.store.takeDropped()) {
      const bucket = this.metrics.bucket(name, now - 1);
      addStat(bucket, 'RecordsDroppedByByteCap', d.records);
      addStat(bucket, 'BytesDroppedByByteCap', d.bytes);
    }
    this.flushMetrics();
  }

  /** Runs `fn` after `delayMs` (timers that are not a stream's status transition). */
  later(delayMs: number, fn: () => void): void {
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(handle);
      fn();
    }, delayMs);
    this.timers.add(handle);
  }

  // ---------------------------------------------------------------- helpers

  /** Runs `fn` after `delayMs`, replacing the stream's pending transition (one at a time). */
  schedule(stream: StreamState, delayMs: number, fn: () => void): void {
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
}
