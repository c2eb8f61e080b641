/**
 * The read path: shard iterators and GetRecords, including the hand-over from a closed parent to
 * its children once the parent is read to its end.
 */
import { AwsError } from '../protocol/errors.js';
import { ITERATOR_TTL_MS, MAX_GET_RECORDS_BYTES } from './limits.js';
import { addStat, type KinesisMetrics } from './metrics.js';
import { decodeToken, encodeToken, lowerBound, type StreamStore } from './store.js';
import type {
  ChildShard,
  KinesisRecord,
  ShardIteratorType,
  ShardState,
  StreamRef,
  StreamState,
} from './types.js';
import { constraint, invalidArgument, validateInt } from './validation.js';

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
    const stream = store.requireStream(input);
    if (stream.status === 'CREATING' || stream.status === 'DELETING')
      throw store.notFound(stream.name);
    store.expire(stream);
    const shard = store.requireShard(stream, input.ShardId);
    let position: bigint;
    const type = input.ShardIteratorType;
    switch (type) {
      case 'TRIM_HORIZON':
        position = 0n;
        break;
      case 'LATEST':
        position = shard.endSeq ?? store.peekSeq();
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
            `Invalid StartingSequenceNumber. Sequence number ${raw} is not in the range of ${shard.id} in stream ${stream.name} under account ${store.accountId}.`,
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
        position = rec ? rec.seq : (shard.endSeq ?? store.peekSeq());
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
    const stream = store.streams.get(it.stream);
    if (!stream || stream.createdAt !== it.created || stream.status === 'DELETING') {
      throw store.notFound(it.stream);
    }
    store.expire(stream);
    const shard = store.requireShard(stream, it.shard);
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
    const result: GetRecordsOutput = {
      Records: out,
      MillisBehindLatest: remaining ? now - shard.records[i]!.arrival : 0,
    };
    if (shard.closedAt !== undefined && !remaining) {
      result.ChildShards = childrenOf(stream, shard);
    } else {
      result.NextShardIterator = this.iterator(stream, shard, nextPos);
    }
    const bucket = this.metrics.bucket(stream.name, now);
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
