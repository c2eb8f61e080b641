/**
 * ListStreams and ListShards: paging (tokens that carry where a page ended, and ListShards' expiry),
 * ListShards' filters, and the rules on which arguments go together.
 */
import { AwsError } from '../protocol/errors.js';
import { NEXT_TOKEN_TTL_MS } from './limits.js';
import { decodeToken, encodeToken, type StreamStore } from './store.js';
import type {
  Shard,
  ShardFilterType,
  ShardState,
  StreamMode,
  StreamRef,
  StreamState,
  StreamStatus,
} from './types.js';
import { constraint, invalidArgument, shardIndexOf, validateInt } from './validation.js';

export interface ListStreamsInput {
  Limit?: number | undefined;
  ExclusiveStartStreamName?: string | undefined;
  NextToken?: string | undefined;
}

export interface ListStreamsOutput {
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
}

export type ListShardsInput = StreamRef & {
  NextToken?: string | undefined;
  ExclusiveStartShardId?: string | undefined;
  MaxResults?: number | undefined;
  StreamCreationTimestamp?: Date | undefined;
  ShardFilter?:
    | { Type: ShardFilterType; ShardId?: string | undefined; Timestamp?: Date | undefined }
    | undefined;
};

export function listStreams(store: StreamStore, input: ListStreamsInput = {}): ListStreamsOutput {
  if (input.Limit !== undefined) validateInt(input.Limit, 'limit', 1, 10_000);
  let after = input.ExclusiveStartStreamName;
  if (input.NextToken !== undefined) {
    const token = decodeToken(input.NextToken);
    if (!token || typeof token.after !== 'string') {
      throw invalidArgument(`Invalid NextToken: ${input.NextToken}`);
    }
    after = token.after;
  }
  const names = [...store.streams.keys()].sort().filter((n) => after === undefined || n > after);
  const limit = input.Limit ?? 100;
  const page = names.slice(0, limit);
  const more = names.length > limit;
  const result: ListStreamsOutput = {
    StreamNames: page,
    HasMoreStreams: more,
    StreamSummaries: page.map((n) => {
      const s = store.streams.get(n)!;
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

export function listShards(
  store: StreamStore,
  input: ListShardsInput,
): { Shards: Shard[]; NextToken?: string } {
  if (input.MaxResults !== undefined) validateInt(input.MaxResults, 'maxResults', 1, 10_000);
  const now = store.clock.now();
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
    const s = store.streams.get(token.stream);
    if (!s || s.createdAt !== token.created) throw store.notFound(token.stream);
    stream = s;
    after = token.after;
    filter = token.filter as typeof filter;
  } else {
    if (input.StreamName === undefined && input.StreamARN === undefined) {
      throw invalidArgument('Either NextToken or StreamName/StreamARN must be provided.');
    }
    stream = store.requireStream(input);
    if (
      input.StreamCreationTimestamp !== undefined &&
      input.StreamCreationTimestamp.getTime() !== stream.createdAt
    ) {
      throw store.notFound(stream.name);
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
  store.expire(stream);
  const horizon = Math.max(store.retentionHorizon(stream), stream.createdAt);
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
    Shards: page.map((s) => store.shardView(s)),
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
