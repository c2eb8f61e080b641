/**
 * The read path: shard iterators and GetRecords, with AWS's per-shard read limits and the
 * hand-over from a closed parent to its children once the parent is read to its end.
 *
 * Read limits: 5 GetRecords calls per shard per clock second, and 2 MiB/s per shard as a byte
 * budget that refills continuously up to 2 MiB. A call may return up to 10 MiB and drive the budget
 * negative; until it has refilled, calls fail (AWS: a 10 MiB read blocks the next 5 seconds).
 */
import { AwsError } from '../protocol/errors.js';
import { ITERATOR_TTL_MS, MAX_GET_RECORDS_BYTES, MiB } from './limits.js';
import { addStat, type KinesisMetrics } from './metrics.js';
import { decodeIterator, encodeIterator, END_POSITION, parseSequence } from './sequence.js';
import { lowerBoundArrival, lowerBoundPos, type StreamStore } from './store.js';
import type {
  ChildShard,
  KinesisRecord,
  ShardIteratorType,
  ShardState,
  StreamRef,
  StreamState,
} from './types.js';
import { constraint, invalidArgument, validateInt } from './validation.js';

export const READ_CALLS_PER_SECOND = 5;
export const READ_BYTES_PER_SECOND = 2 * MiB;

export interface GetShardIteratorInput extends StreamRef {
  ShardId: string;
  ShardIteratorType: ShardIteratorType;
  StartingSequenceNumber?: string | undefined;
  Timestamp?: Date | undefined;
}

export interface GetRecordsOutput {
  Records: KinesisRecord[];
  NextShardIterator?: string;
  MillisBehindLatest: number;
  ChildShards?: ChildShard[];
}

export class Reads {
  constructor(
    private readonly store: StreamStore,
    private readonly metrics: KinesisMetrics,
  ) {}

  getShardIterator(input: GetShardIteratorInput): { ShardIterator: string } {
    const store = this.store;
    const type = input.ShardIteratorType;
    const bySequence = type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER';
    if (!bySequence && input.StartingSequenceNumber !== undefined) {
      throw invalidArgument(
        `Request included a StartingSequenceNumber (${input.StartingSequenceNumber}) with ShardIteratorType ${type}; only AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER take one.`,
      );
    }
    if (type !== 'AT_TIMESTAMP' && input.Timestamp !== undefined) {
      throw invalidArgument(
        `Request included a Timestamp with ShardIteratorType ${type}; only AT_TIMESTAMP takes one.`,
      );
    }
    const stream = store.requireStream(input);
    if (stream.status === 'CREATING' || stream.status === 'DELETING')
      throw store.notFound(stream.name);
    store.expire(stream);
    const shard = store.requireShard(stream, input.ShardId);
    const now = store.clock.now();
    let position: number;
    switch (type) {
      case 'TRIM_HORIZON':
        position = 0;
        break;
      case 'LATEST':
        position = shard.closedAt !== undefined ? Number.MAX_SAFE_INTEGER : shard.nextPos;
        break;
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        const raw = input.StartingSequenceNumber;
        if (raw === undefined) {
          throw invalidArgument(
            `StartingSequenceNumber is required for ShardIteratorType ${type}.`,
          );
        }
        const parts = parseSequence(raw);
        if (!parts) {
          throw invalidArgument(
            `StartingSequenceNumber ${raw} used in GetShardIterator on shard ${shard.id} in stream ${stream.name} under account ${store.accountId} is invalid.`,
          );
        }
        if (parts.shardIndex !== shard.index) {
          throw invalidArgument(
            `Invalid StartingSequenceNumber. It encodes shardId-${String(parts.shardIndex).padStart(12, '0')}, while it was used in a call to a shard with ${shard.id}`,
          );
        }
        if (parts.position === END_POSITION) {
          position = Number.MAX_SAFE_INTEGER;
        } else {
          const p = Number(parts.position);
          position = type === 'AT_SEQUENCE_NUMBER' ? p : p + 1;
        }
        break;
      }
      case 'AT_TIMESTAMP': {
        if (input.Timestamp === undefined) {
          throw invalidArgument(
            'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
          );
        }
        const t = input.Timestamp.getTime();
        if (t > now) {
          throw invalidArgument(
            `The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: ${t}, currentTimestampInMillis: ${now}`,
          );
        }
        const i = lowerBoundArrival(shard, t);
        position = i < shard.records.length ? shard.records[i]!.pos : shard.nextPos;
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

  getRecords(input: { ShardIterator: string; Limit?: number | undefined }): GetRecordsOutput {
    const store = this.store;
    if (input.Limit !== undefined) validateInt(input.Limit, 'limit', 1, 10_000);
    const now = store.clock.now();
    const it = decodeIterator(input.ShardIterator);
    if (!it) {
      throw invalidArgument(`Invalid ShardIterator.`);
    }
    if (now - it.issued > ITERATOR_TTL_MS) {
      throw new AwsError(
        'ExpiredIteratorException',
        `Iterator expired. The iterator was created at time ${new Date(it.issued).toUTCString()} while right now it is ${new Date(now).toUTCString()} which is further in the future than the tolerated delay of ${ITERATOR_TTL_MS} milliseconds.`,
      );
    }
    const stream = store.streams.get(it.stream);
    if (!stream || stream.createdAt !== it.created || stream.status === 'DELETING') {
      throw store.notFound(it.stream);
    }
    store.expire(stream);
    const shard = stream.shards.find((s) => s.index === it.shard);
    if (!shard) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Shard shardId-${String(it.shard).padStart(12, '0')} in stream ${stream.name} under account ${store.accountId} does not exist`,
      );
    }
    const bucket = this.metrics.bucket(stream.name, now);
    const shardBucket = stream.shardLevelMetrics.size
      ? this.metrics.shardBucket(stream.name, shard.id, now)
      : undefined;
    if (!this.admitRead(shard, now)) {
      addStat(bucket, 'ReadProvisionedThroughputExceeded', 1);
      if (shardBucket && stream.shardLevelMetrics.has('ReadProvisionedThroughputExceeded'))
        addStat(shardBucket, 'ReadProvisionedThroughputExceeded', 1);
      throw new AwsError(
        'ProvisionedThroughputExceededException',
        `Rate exceeded for Shard - ${shard.id} in stream ${stream.name} under account ${store.accountId}.`,
      );
    }
    const limit = input.Limit ?? 10_000;
    const records = shard.records;
    const out: KinesisRecord[] = [];
    let bytes = 0;
    let i = lowerBoundPos(shard, it.pos);
    while (i < records.length && out.length < limit) {
      const r = records[i]!;
      if (out.length > 0 && bytes + r.data.length > MAX_GET_RECORDS_BYTES) break;
      bytes += r.data.length;
      out.push({
        SequenceNumber: store.sequenceOf(shard, r),
        ApproximateArrivalTimestamp: new Date(r.arrival),
        Data: r.data,
        PartitionKey: r.partitionKey,
      });
      i++;
    }
    shard.readBytes -= bytes;
    const last = out.length > 0 ? records[i - 1] : undefined;
    const nextPos = last ? last.pos + 1 : Math.max(it.pos, shard.records[shard.head]?.pos ?? 0);
    const remaining = i < records.length;
    const result: GetRecordsOutput = {
      Records: out,
      // How far behind the tip the reader is: the age of where it now stands, 0 once caught up.
      MillisBehindLatest: remaining ? Math.max(0, now - (last ?? records[i]!).arrival) : 0,
    };
    if (shard.closedAt !== undefined && !remaining) {
      result.ChildShards = childrenOf(stream, shard);
    } else {
      result.NextShardIterator = this.iterator(stream, shard, nextPos);
    }
    const age = last ? now - last.arrival : 0;
    addStat(bucket, 'GetRecords.Records', out.length);
    addStat(bucket, 'GetRecords.Bytes', bytes);
    addStat(bucket, 'GetRecords.Success', 1);
    addStat(bucket, 'GetRecords.Latency', 0);
    addStat(bucket, 'ReadProvisionedThroughputExceeded', 0);
    // AWS measures the age of the last record returned; a caught-up reader has age 0.
    addStat(bucket, 'GetRecords.IteratorAgeMilliseconds', age);
    if (shardBucket) {
      const on = stream.shardLevelMetrics;
      if (on.has('OutgoingBytes')) addStat(shardBucket, 'OutgoingBytes', bytes);
      if (on.has('OutgoingRecords')) addStat(shardBucket, 'OutgoingRecords', out.length);
      if (on.has('IteratorAgeMilliseconds')) addStat(shardBucket, 'IteratorAgeMilliseconds', age);
      if (on.has('ReadProvisionedThroughputExceeded'))
        addStat(shardBucket, 'ReadProvisionedThroughputExceeded', 0);
    }
    return result;
  }

  /** Applies the per-shard call rate and refills the byte budget for the time passed. */
  private admitRead(shard: ShardState, now: number): boolean {
    const second = Math.floor(now / 1000);
    if (shard.readSecond === -1) {
      shard.readBytes = READ_BYTES_PER_SECOND;
      shard.readWhen = now;
    } else {
      const refill = ((now - shard.readWhen) / 1000) * READ_BYTES_PER_SECOND;
      shard.readBytes = Math.min(READ_BYTES_PER_SECOND, shard.readBytes + refill);
      shard.readWhen = now;
    }
    if (shard.readSecond !== second) {
      shard.readSecond = second;
      shard.readCalls = 0;
    }
    if (shard.readCalls >= READ_CALLS_PER_SECOND || shard.readBytes <= 0) return false;
    shard.readCalls++;
    return true;
  }

  private iterator(stream: StreamState, shard: ShardState, pos: number): string {
    return encodeIterator({
      stream: stream.name,
      created: stream.createdAt,
      shard: shard.index,
      pos,
      issued: this.store.clock.now(),
    });
  }
}

export function childrenOf(stream: StreamState, shard: ShardState): ChildShard[] {
  return stream.shards
    .filter((s) => s.parent === shard.id || s.adjacentParent === shard.id)
    .map((s) => ({
      ShardId: s.id,
      ParentShards: s.adjacentParent ? [s.parent!, s.adjacentParent] : [s.parent!],
      HashKeyRange: { StartingHashKey: s.start.toString(), EndingHashKey: s.end.toString() },
    }));
}
