/**
 * The request shapes of the Kinesis API, checked with zod before the model sees a request: JSON
 * types, required members and enums. Value rules (lengths, patterns, limits) are in validation.ts.
 */
import { z } from 'zod';

// A length check plus a flat character class: the grouped `(?:...{4})*` form cost a third of the
// emulator's CPU under PutRecords load (bench/putrecords.ts).
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;
const isBase64 = (s: string) => s.length % 4 === 0 && BASE64_CHARS.test(s);

const str = z.string();
const int = z.number().int();
const blob = z
  .string()
  .refine(isBase64, { message: 'base64' })
  .transform((s) => new Uint8Array(Buffer.from(s, 'base64')));
/** The JSON protocol sends timestamps as epoch seconds; accept ISO strings too, as AWS does. */
const timestamp = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const d = typeof v === 'number' ? new Date(v * 1000) : new Date(v);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'timestamp', input: v });
    return z.NEVER;
  }
  return d;
});
const tagMap = z.record(z.string(), z.string());
const ref = { StreamName: str.optional(), StreamARN: str.optional() };

export const schemas = {
  CreateStream: z.object({
    StreamName: str,
    ShardCount: int.optional(),
    StreamModeDetails: z.object({ StreamMode: z.enum(['PROVISIONED', 'ON_DEMAND']) }).optional(),
    Tags: tagMap.optional(),
  }),
  DeleteStream: z.object({ ...ref, EnforceConsumerDeletion: z.boolean().optional() }),
  DescribeStream: z.object({
    ...ref,
    Limit: int.optional(),
    ExclusiveStartShardId: str.optional(),
  }),
  DescribeStreamSummary: z.object(ref),
  DescribeLimits: z.object({}),
  ListStreams: z.object({
    Limit: int.optional(),
    ExclusiveStartStreamName: str.optional(),
    NextToken: str.optional(),
  }),
  ListShards: z.object({
    ...ref,
    NextToken: str.optional(),
    ExclusiveStartShardId: str.optional(),
    MaxResults: int.optional(),
    StreamCreationTimestamp: timestamp.optional(),
    ShardFilter: z
      .object({
        Type: z.enum([
          'AFTER_SHARD_ID',
          'AT_TRIM_HORIZON',
          'FROM_TRIM_HORIZON',
          'AT_LATEST',
          'AT_TIMESTAMP',
          'FROM_TIMESTAMP',
        ]),
        ShardId: str.optional(),
        Timestamp: timestamp.optional(),
      })
      .optional(),
  }),
  UpdateShardCount: z.object({ ...ref, TargetShardCount: int, ScalingType: str }),
  PutRecord: z.object({
    ...ref,
    Data: blob,
    PartitionKey: str,
    ExplicitHashKey: str.optional(),
    SequenceNumberForOrdering: str.optional(),
  }),
  PutRecords: z.object({
    ...ref,
    Records: z.array(z.object({ Data: blob, PartitionKey: str, ExplicitHashKey: str.optional() })),
  }),
  GetShardIterator: z.object({
    ...ref,
    ShardId: str,
    ShardIteratorType: z.enum([
      'AT_SEQUENCE_NUMBER',
      'AFTER_SEQUENCE_NUMBER',
      'TRIM_HORIZON',
      'LATEST',
      'AT_TIMESTAMP',
    ]),
    StartingSequenceNumber: str.optional(),
    Timestamp: timestamp.optional(),
  }),
  GetRecords: z.object({ ShardIterator: str, Limit: int.optional(), StreamARN: str.optional() }),
  AddTagsToStream: z.object({ ...ref, Tags: tagMap }),
  RemoveTagsFromStream: z.object({ ...ref, TagKeys: z.array(str) }),
  ListTagsForStream: z.object({
    ...ref,
    ExclusiveStartTagKey: str.optional(),
    Limit: int.optional(),
  }),
  TagResource: z.object({ ResourceARN: str, Tags: tagMap }),
  UntagResource: z.object({ ResourceARN: str, TagKeys: z.array(str) }),
  ListTagsForResource: z.object({ ResourceARN: str }),
  SplitShard: z.object({ ...ref, ShardToSplit: str, NewStartingHashKey: str }),
  MergeShards: z.object({ ...ref, ShardToMerge: str, AdjacentShardToMerge: str }),
  IncreaseStreamRetentionPeriod: z.object({ ...ref, RetentionPeriodHours: int }),
  DecreaseStreamRetentionPeriod: z.object({ ...ref, RetentionPeriodHours: int }),
  EnableEnhancedMonitoring: z.object({ ...ref, ShardLevelMetrics: z.array(str) }),
  DisableEnhancedMonitoring: z.object({ ...ref, ShardLevelMetrics: z.array(str) }),
  UpdateStreamMode: z.object({
    StreamARN: str,
    StreamModeDetails: z.object({ StreamMode: z.enum(['PROVISIONED', 'ON_DEMAND']) }),
  }),
  RegisterStreamConsumer: z.object({ StreamARN: str, ConsumerName: str }),
  DescribeStreamConsumer: z.object({
    StreamARN: str.optional(),
    ConsumerName: str.optional(),
    ConsumerARN: str.optional(),
  }),
  DeregisterStreamConsumer: z.object({
    StreamARN: str.optional(),
    ConsumerName: str.optional(),
    ConsumerARN: str.optional(),
  }),
  ListStreamConsumers: z.object({
    StreamARN: str,
    NextToken: str.optional(),
    MaxResults: int.optional(),
    StreamCreationTimestamp: timestamp.optional(),
  }),
} satisfies Record<string, z.ZodType>;

export type Schemas = typeof schemas;
