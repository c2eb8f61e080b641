/**
 * The streams of one region and the lookups every operation shares: naming a stream by name or
 * ARN, finding shards, creating and closing shards, sequence numbers, retention trimming.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AwsError } from '../protocol/errors.js';
import { DEFAULT_RETENTION_HOURS, HOUR_MS } from './limits.js';
import type { Shard, ShardState, StoredRecord, StreamRef, StreamState } from './types.js';
import { constraint, invalidArgument, validateStreamName } from './validation.js';

/** AWS sequence numbers are 56-digit decimals; a fixed width keeps string order equal to numeric order. */
export const SEQ_BASE = 49n * 10n ** 54n;
const RETENTION_MS = DEFAULT_RETENTION_HOURS * HOUR_MS;

export const shardIdFor = (index: number) => `shardId-${String(index).padStart(12, '0')}`;

export function hashKeyOf(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

export function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

export function decodeToken(token: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function lowerBound(records: StoredRecord[], seq: bigint): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid]!.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function lowerBoundArrival(records: StoredRecord[], t: number): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid]!.arrival < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class StreamStore {
  readonly streams = new Map<string, StreamState>();
  private seqCounter = 0n;

  constructor(
    readonly clock: Clock,
    readonly region: string,
    readonly accountId: string,
  ) {}

  nextSeq(): bigint {
    return SEQ_BASE + this.seqCounter++;
  }

  /** The sequence number the next record will get (where LATEST starts). */
  peekSeq(): bigint {
    return SEQ_BASE + this.seqCounter;
  }

  arnOf(name: string): string {
    return `arn:aws:kinesis:${this.region}:${this.accountId}:stream/${name}`;
  }

  notFound(name: string): AwsError {
    return new AwsError(
      'ResourceNotFoundException',
      `Stream ${name} under account ${this.accountId} not found.`,
    );
  }

  nameOf(ref: StreamRef): string {
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

  requireStream(ref: StreamRef): StreamState {
    const name = this.nameOf(ref);
    const stream = this.streams.get(name);
    if (!stream) throw this.notFound(name);
    return stream;
  }

  /** Writes go to ACTIVE and UPDATING streams; AWS treats others as absent for data calls. */
  requireWritable(ref: StreamRef): StreamState {
    const stream = this.requireStream(ref);
    if (stream.status !== 'ACTIVE' && stream.status !== 'UPDATING')
      throw this.notFound(stream.name);
    return stream;
  }

  requireShard(stream: StreamState, shardId: string): ShardState {
    const shard = stream.shards.find((s) => s.id === shardId);
    if (!shard) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Shard ${shardId} in stream ${stream.name} under account ${this.accountId} does not exist`,
      );
    }
    return shard;
  }

  newShard(
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

  closeShard(shard: ShardState, now: number): void {
    if (shard.closedAt !== undefined) return;
    shard.closedAt = now;
    shard.endSeq = this.nextSeq();
  }

  retentionHorizon(): number {
    return this.clock.now() - RETENTION_MS;
  }

  /** Drops records past the retention period and closed shards whose data has all expired. */
  expire(stream: StreamState): void {
    const horizon = this.retentionHorizon();
    for (const s of stream.shards) {
      if (s.records.length > 0 && s.records[0]!.arrival < horizon) {
        s.records.splice(0, lowerBoundArrival(s.records, horizon));
      }
    }
    if (stream.shards.some((s) => s.closedAt !== undefined && s.closedAt <= horizon)) {
      stream.shards = stream.shards.filter((s) => s.closedAt === undefined || s.closedAt > horizon);
    }
  }

  shardView(s: ShardState): Shard {
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
