/**
 * The streams of one region and the lookups every operation shares: naming a stream by name or
 * ARN, finding shards, creating and closing shards, sequence numbers, retention trimming.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AwsError } from '../protocol/errors.js';
import { HOUR_MS } from './limits.js';
import { END_POSITION, formatSequence } from './sequence.js';
import type { Shard, ShardState, StoredRecord, StreamRef, StreamState } from './types.js';
import { constraint, invalidArgument, validateStreamName } from './validation.js';

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

/**
 * The shard index named by a shard id. AWS accepts short forms (`shardId-0`, `anything-0`, `0`)
 * and answers with the canonical `shardId-000000000000`.
 */
export function parseShardId(id: string): number | undefined {
  const m = /^(?:[a-zA-Z0-9_.]*-)?(\d{1,20})$/.exec(id);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Index of the first stored record (from the shard's head) at or after `pos`. */
export function lowerBoundPos(shard: ShardState, pos: number): number {
  const records = shard.records;
  let lo = shard.head;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid]!.pos < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function lowerBoundArrival(shard: ShardState, t: number): number {
  const records = shard.records;
  let lo = shard.head;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid]!.arrival < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Drops trimmed slots once they are most of the array, so trimming stays amortised O(1). */
function compact(shard: ShardState): void {
  if (shard.head > 1024 && shard.head * 2 > shard.records.length) {
    shard.records = shard.records.slice(shard.head);
    shard.head = 0;
  }
}

export class StreamStore {
  readonly streams = new Map<string, StreamState>();
  /** Records dropped by the byte cap since the last call to `takeDropped`, by stream. */
  private readonly dropped = new Map<string, { records: number; bytes: number }>();

  constructor(
    readonly clock: Clock,
    readonly region: string,
    readonly accountId: string,
    /** Most record bytes kept per stream; the oldest records are dropped first past it. */
    readonly maxStreamBytes: number,
  ) {}

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
    const index = parseShardId(shardId);
    const shard = index === undefined ? undefined : stream.shards.find((s) => s.index === index);
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
      startSeq: formatSequence({
        shardCreatedMs: now,
        shardIndex: stream.nextShardIndex - 1,
        position: 0n,
        arrivalMs: now,
      }),
      createdAt: now,
      records: [],
      head: 0,
      nextPos: 1,
      winSecond: -1,
      winBytes: 0,
      winRecords: 0,
      readSecond: -1,
      readCalls: 0,
      readBytes: 0,
      readWhen: now,
    };
    if (parent !== undefined) shard.parent = parent;
    if (adjacentParent !== undefined) shard.adjacentParent = adjacentParent;
    stream.shards.push(shard);
    return shard;
  }

  closeShard(shard: ShardState, now: number): void {
    if (shard.closedAt !== undefined) return;
    shard.closedAt = now;
    shard.endSeq = formatSequence({
      shardCreatedMs: shard.createdAt,
      shardIndex: shard.index,
      position: END_POSITION,
      arrivalMs: now,
    });
  }

  /** The sequence number of a stored record. */
  sequenceOf(shard: ShardState, r: StoredRecord): string {
    return formatSequence({
      shardCreatedMs: shard.createdAt,
      shardIndex: shard.index,
      position: BigInt(r.pos),
      arrivalMs: r.arrival,
    });
  }

  /** Stores an admitted record, dropping the stream's oldest records past the byte cap. */
  append(stream: StreamState, shard: ShardState, r: StoredRecord): void {
    shard.records.push(r);
    stream.arrivals.push(shard);
    stream.storedBytes += r.size;
    if (stream.storedBytes > this.maxStreamBytes) {
      let records = 0;
      let bytes = 0;
      while (stream.storedBytes > this.maxStreamBytes && this.dropOldest(stream)) {
        records++;
        bytes += this.lastDroppedSize;
      }
      const d = this.dropped.get(stream.name) ?? { records: 0, bytes: 0 };
      d.records += records;
      d.bytes += bytes;
      this.dropped.set(stream.name, d);
    }
  }

  private lastDroppedSize = 0;

  /** Removes the stream's oldest stored record; false when none is left. */
  private dropOldest(stream: StreamState): boolean {
    while (stream.arrivalsHead < stream.arrivals.length) {
      const shard = stream.arrivals[stream.arrivalsHead++]!;
      if (shard.head >= shard.records.length) continue;
      const r = shard.records[shard.head]!;
      shard.records[shard.head++] = undefined as unknown as StoredRecord;
      stream.storedBytes -= r.size;
      this.lastDroppedSize = r.size;
      compact(shard);
      this.compactArrivals(stream);
      return true;
    }
    return false;
  }

  private compactArrivals(stream: StreamState): void {
    if (stream.arrivalsHead > 4096 && stream.arrivalsHead * 2 > stream.arrivals.length) {
      stream.arrivals = stream.arrivals.slice(stream.arrivalsHead);
      stream.arrivalsHead = 0;
    }
  }

  /** Records and bytes dropped by the byte cap since the last call, by stream. */
  takeDropped(): Map<string, { records: number; bytes: number }> {
    const out = new Map(this.dropped);
    this.dropped.clear();
    return out;
  }

  retentionHorizon(stream: StreamState): number {
    return this.clock.now() - stream.retentionHours * HOUR_MS;
  }

  /** Drops records past the retention period and closed shards whose data has all expired. */
  expire(stream: StreamState): void {
    const horizon = this.retentionHorizon(stream);
    // Arrival order across shards: the oldest records are at the head of the arrivals queue.
    while (stream.arrivalsHead < stream.arrivals.length) {
      const shard = stream.arrivals[stream.arrivalsHead]!;
      const r = shard.records[shard.head];
      if (r !== undefined && r.arrival >= horizon) break;
      if (!this.dropOldest(stream)) break;
    }
    if (stream.shards.some((s) => s.closedAt !== undefined && s.closedAt <= horizon)) {
      stream.shards = stream.shards.filter((s) => s.closedAt === undefined || s.closedAt > horizon);
    }
  }

  shardView(s: ShardState): Shard {
    const view: Shard = {
      ShardId: s.id,
      HashKeyRange: { StartingHashKey: s.start.toString(), EndingHashKey: s.end.toString() },
      SequenceNumberRange: { StartingSequenceNumber: s.startSeq },
    };
    if (s.parent !== undefined) view.ParentShardId = s.parent;
    if (s.adjacentParent !== undefined) view.AdjacentParentShardId = s.adjacentParent;
    if (s.endSeq !== undefined) view.SequenceNumberRange.EndingSequenceNumber = s.endSeq;
    return view;
  }
}
