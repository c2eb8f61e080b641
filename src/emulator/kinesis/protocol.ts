/**
 * Kinesis over awsJson1_1 (`x-amz-target: Kinesis_20131202.<Op>`) and its CBOR twin
 * (`application/x-amz-cbor-1.1`, the AWS SDK for Java's default). Requests are checked against
 * AWS's shapes (shapes.ts: SerializationException, then all ValidationException messages at once)
 * before the model sees them; the model applies the rules that need state.
 */
import { cborErrorResponse, cborResponse, isCbor, parseCborBody } from '../protocol/cbor.js';
import { AwsError, toAwsError } from '../protocol/errors.js';
import type { AwsRequest, AwsResponse, ServiceEndpoint } from '../protocol/types.js';
import type { KinesisModel } from './model.js';
import { checkRequest, SHAPES, type Operation } from './shapes.js';

const TARGET_PREFIX = 'Kinesis_20131202.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

// The shapes guarantee each input's members and types; the casts only name the model's types.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Handler = (m: KinesisModel, input: any) => unknown;

/** TagResource and friends name the stream by ARN only. */
const byArn = (arn: string) => ({ StreamARN: arn });

const handlers: Record<Operation, Handler> = {
  CreateStream: (m, i) => m.createStream(i),
  DeleteStream: (m, i) => m.deleteStream(i),
  DescribeStream: (m, i) => m.describeStream(i),
  DescribeStreamSummary: (m, i) => m.describeStreamSummary(i),
  DescribeLimits: (m) => m.describeLimits(),
  ListStreams: (m, i) => m.listStreams(i),
  ListShards: (m, i) => m.listShards(i),
  UpdateShardCount: (m, i) => m.updateShardCount(i),
  // The protocol decoded the data into fresh buffers, so the model may keep them without a copy.
  PutRecord: (m, i) => m.putRecord(i, true),
  PutRecords: (m, i) => m.putRecords(i, true),
  GetShardIterator: (m, i) => m.getShardIterator(i),
  GetRecords: (m, i) => m.getRecords(i),
  AddTagsToStream: (m, i) => m.addTagsToStream(i),
  RemoveTagsFromStream: (m, i) => m.removeTagsFromStream(i),
  ListTagsForStream: (m, i) => m.listTagsForStream(i),
  TagResource: (m, i) => m.addTagsToStream({ ...byArn(i.ResourceARN), Tags: i.Tags }),
  UntagResource: (m, i) => m.removeTagsFromStream({ ...byArn(i.ResourceARN), TagKeys: i.TagKeys }),
  ListTagsForResource: (m, i: { ResourceARN: string }) => {
    // Unlike ListTagsForStream this call has no paging: return every tag.
    const all: { Key: string; Value: string }[] = [];
    let start: string | undefined;
    for (;;) {
      const page = m.listTagsForStream({
        ...byArn(i.ResourceARN),
        ExclusiveStartTagKey: start,
        Limit: 50,
      });
      all.push(...page.Tags);
      if (!page.HasMoreTags) break;
      start = page.Tags[page.Tags.length - 1]?.Key;
    }
    return { Tags: all };
  },
  SplitShard: (m, i) => m.splitShard(i),
  MergeShards: (m, i) => m.mergeShards(i),
  IncreaseStreamRetentionPeriod: (m, i) => m.increaseStreamRetentionPeriod(i),
  DecreaseStreamRetentionPeriod: (m, i) => m.decreaseStreamRetentionPeriod(i),
  EnableEnhancedMonitoring: (m, i) => m.enableEnhancedMonitoring(i),
  DisableEnhancedMonitoring: (m, i) => m.disableEnhancedMonitoring(i),
  UpdateStreamMode: (m, i) => m.updateStreamMode(i),
  RegisterStreamConsumer: (m, i) => m.registerStreamConsumer(i),
  DescribeStreamConsumer: (m, i) => m.describeStreamConsumer(i),
  DeregisterStreamConsumer: (m, i) => m.deregisterStreamConsumer(i),
  ListStreamConsumers: (m, i) => m.listStreamConsumers(i),
};
/* eslint-enable @typescript-eslint/no-explicit-any */

/** An AWS error whose JSON body carries no message (AWS sends only `__type` for these). */
class BareError extends AwsError {}

export class KinesisEndpoint implements ServiceEndpoint {
  readonly name = 'kinesis';

  constructor(private readonly resolve: (region: string) => KinesisModel) {}

  accepts(req: AwsRequest): boolean {
    return req.target?.startsWith(TARGET_PREFIX) ?? false;
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    const cbor = isCbor(req);
    try {
      const op = (req.target ?? '').slice(TARGET_PREFIX.length);
      if (!Object.hasOwn(SHAPES, op)) {
        throw new BareError(
          'UnknownOperationException',
          `Operation ${op || '(none)'} is not supported by the emulated Kinesis service`,
        );
      }
      const body = cbor ? parseCborBody(req) : parseJson(req.body);
      const input = checkRequest(op as Operation, body);
      const result = handlers[op as Operation](this.resolve(req.region), input);
      // Operations without output answer 200 with an empty body, as AWS does.
      if (result === undefined) {
        return {
          status: 200,
          headers: { 'content-type': cbor ? 'application/x-amz-cbor-1.1' : CONTENT_TYPE },
          body: '',
        };
      }
      return cbor ? cborResponse(result) : jsonResult(result, !PLAIN_OUTPUT.has(op));
    } catch (err) {
      return cbor ? cborErrorResponse(err) : jsonError(err);
    }
  }
}

function parseJson(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) throw new BareError('SerializationException', '');
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BareError('SerializationException', '');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BareError('SerializationException', '');
  }
  return value as Record<string, unknown>;
}

/** Outputs with no timestamp or blob: plain JSON.stringify, without a replacer per member. */
const PLAIN_OUTPUT = new Set([
  'PutRecord',
  'PutRecords',
  'GetShardIterator',
  'UpdateShardCount',
  'ListShards',
  'DescribeLimits',
  'ListTagsForStream',
  'ListTagsForResource',
  'EnableEnhancedMonitoring',
  'DisableEnhancedMonitoring',
]);

function jsonResult(result: unknown, wire: boolean): AwsResponse {
  return {
    status: 200,
    headers: { 'content-type': CONTENT_TYPE },
    body: wire ? JSON.stringify(result, wireValue) : JSON.stringify(result),
  };
}

/** Dates become epoch seconds and blobs base64, as the JSON protocol writes them. */
function wireValue(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // A replacer sees what toJSON made of a Date (an ISO string) or a Buffer ({type, data}), so
  // both are read from the holder.
  const original = this[key];
  if (original instanceof Date) return original.getTime() / 1000;
  if (original instanceof Uint8Array) {
    return Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString(
      'base64',
    );
  }
  return value;
}

/**
 * SerializationException carries `Message` (capital M) in AWS's JSON, the other errors `message`;
 * unknown operations and unparseable bodies carry only `__type`.
 */
function jsonError(err: unknown): AwsResponse {
  const e = toAwsError(err);
  const body: Record<string, string> = { __type: e.code };
  if (!(e instanceof BareError)) {
    body[e.code === 'SerializationException' ? 'Message' : 'message'] = e.message;
  }
  return {
    status: e.status,
    headers: { 'content-type': CONTENT_TYPE, 'x-amzn-errortype': e.code },
    body: JSON.stringify(body),
  };
}
