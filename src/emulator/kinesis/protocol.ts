/**
 * Kinesis over awsJson1_1 (`x-amz-target: Kinesis_20131202.<Op>`). Requests are checked for shape
 * with zod here; value rules (lengths, patterns, limits) live in the model so that simulations that
 * call the model directly get the same errors as SDK clients.
 */
import type { z } from 'zod';
import { schemas, type Schemas } from './schemas.js';
import { AwsError } from '../protocol/errors.js';
import { jsonErrorResponse, jsonResponse, parseJsonBody } from '../protocol/json.js';
import type { AwsRequest, AwsResponse, ServiceEndpoint } from '../protocol/types.js';
import type { KinesisModel } from './model.js';

const TARGET_PREFIX = 'Kinesis_20131202.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

type Op = keyof Schemas;
type Handlers = { [K in Op]: (m: KinesisModel, input: z.output<Schemas[K]>) => unknown };

/** TagResource and friends name the stream by ARN only. */
const byArn = (arn: string) => ({ StreamARN: arn });

const handlers: Handlers = {
  CreateStream: (m, i) => m.createStream(i),
  DeleteStream: (m, i) => m.deleteStream(i),
  DescribeStream: (m, i) => m.describeStream(i),
  DescribeStreamSummary: (m, i) => m.describeStreamSummary(i),
  DescribeLimits: (m) => m.describeLimits(),
  ListStreams: (m, i) => m.listStreams(i),
  ListShards: (m, i) => m.listShards(i),
  UpdateShardCount: (m, i) => m.updateShardCount(i),
  PutRecord: (m, i) => m.putRecord(i),
  PutRecords: (m, i) => m.putRecords(i),
  GetShardIterator: (m, i) => m.getShardIterator(i),
  GetRecords: (m, i) => m.getRecords(i),
  AddTagsToStream: (m, i) => m.addTagsToStream(i),
  RemoveTagsFromStream: (m, i) => m.removeTagsFromStream(i),
  ListTagsForStream: (m, i) => m.listTagsForStream(i),
  TagResource: (m, i) => m.addTagsToStream({ ...byArn(i.ResourceARN), Tags: i.Tags }),
  UntagResource: (m, i) => m.removeTagsFromStream({ ...byArn(i.ResourceARN), TagKeys: i.TagKeys }),
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
  ListTagsForResource: (m, i) => {
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
};

export class KinesisEndpoint implements ServiceEndpoint {
  readonly name = 'kinesis';

  constructor(private readonly resolve: (region: string) => KinesisModel) {}

  accepts(req: AwsRequest): boolean {
    return req.target?.startsWith(TARGET_PREFIX) ?? false;
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    try {
      const op = (req.target ?? '').slice(TARGET_PREFIX.length);
      if (!Object.hasOwn(handlers, op)) {
        throw new AwsError(
          'UnknownOperationException',
          `Operation ${op || '(none)'} is not supported by the emulated Kinesis service`,
        );
      }
      const body = parseJsonBody(req);
      const parsed = schemas[op as Op].safeParse(body, { reportInput: true });
      if (!parsed.success) throw toValidationError(parsed.error.issues);
      const handler = handlers[op as Op] as (m: KinesisModel, input: unknown) => unknown;
      const result = handler(this.resolve(req.region), parsed.data);
      // Operations without output answer 200 with an empty body, as AWS does.
      if (result === undefined) {
        return { status: 200, headers: { 'content-type': CONTENT_TYPE }, body: '' };
      }
      return jsonResponse(toWire(result), CONTENT_TYPE);
    } catch (err) {
      return jsonErrorResponse(err, { contentType: CONTENT_TYPE });
    }
  }
}

/** Dates become epoch seconds and blobs base64, as the JSON protocol writes them. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toWire(v);
    return out;
  }
  return value;
}

/** AWS names members lower-camel-case and list items `name.<n>.member` (1-based). */
function awsPath(path: readonly PropertyKey[]): string {
  const parts: string[] = [];
  for (const p of path) {
    if (typeof p === 'number') parts.push(`${p + 1}`, 'member');
    else {
      const s = String(p);
      parts.push(s.charAt(0).toLowerCase() + s.slice(1));
    }
  }
  return parts.join('.');
}

/** The offending value as AWS echoes it, cut short so a huge input is not sent back whole. */
function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

function toValidationError(issues: z.core.$ZodIssue[]): AwsError {
  const messages = issues.map((issue) => {
    const at = awsPath(issue.path);
    const hasInput = 'input' in issue && issue.input !== undefined;
    const shown = hasInput ? `'${shortJson(issue.input)}' ` : '';
    switch (issue.code) {
      case 'invalid_type':
        return hasInput
          ? `Value ${shown}at '${at}' failed to satisfy constraint: Member must be of type ${issue.expected}`
          : `Value null at '${at}' failed to satisfy constraint: Member must not be null`;
      case 'invalid_value':
        return `Value ${shown}at '${at}' failed to satisfy constraint: Member must satisfy enum value set: [${issue.values.join(', ')}]`;
      case 'custom':
        if (issue.message === 'base64') {
          return `Value at '${at}' failed to satisfy constraint: Member must be valid base64`;
        }
        return `Value ${shown}at '${at}' failed to satisfy constraint: Member must be a timestamp (epoch seconds or ISO 8601)`;
      default:
        return `Value ${shown}at '${at}' failed to satisfy constraint: ${issue.message}`;
    }
  });
  const n = messages.length;
  return new AwsError(
    'ValidationException',
    `${n} validation error${n === 1 ? '' : 's'} detected: ${messages.join('; ')}`,
  );
}
