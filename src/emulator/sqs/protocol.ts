import { XMLBuilder } from 'fast-xml-parser';
import { z } from 'zod';
import { AwsError, toAwsError } from '../protocol/errors.js';
import { jsonResponse, parseJsonBody } from '../protocol/json.js';
import {
  decodeQuery,
  queryErrorResponse,
  queryParams,
  type QueryValue,
} from '../protocol/query.js';
import type { AwsRequest, AwsResponse, ServiceEndpoint } from '../protocol/types.js';
import type { MessageAttribute, SqsModel } from './model.js';
import { valueAt } from '../protocol/validation.js';

const TARGET_PREFIX = 'AmazonSQS.';
const JSON_TYPE = 'application/x-amz-json-1.0';
const SQS_XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';
const SQS_VERSION = '2012-11-05';
/** Queue URLs name account and queue in the path; the Query protocol posts to them. */
const QUEUE_PATH = /^\/\d{12}\/[A-Za-z0-9_-]{1,80}$/;

/**
 * SQS is "query compatible": over JSON an error has a modelled name in `__type` and the Query
 * protocol's code in `x-amzn-query-error`, which is what older clients and the CLI report.
 */
const QUERY_CODES: Record<string, string> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  QueueNameExists: 'QueueAlreadyExists',
  PurgeQueueInProgress: 'AWS.SimpleQueueService.PurgeQueueInProgress',
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation',
};

const str = z.string();
const url = { QueueUrl: str };
const attributeMap = z.record(z.string(), z.string());
const messageAttribute = z.object({
  DataType: str,
  StringValue: str.optional(),
  BinaryValue: str.optional(),
});

const schemas = {
  CreateQueue: z.object({
    QueueName: str,
    Attributes: attributeMap.optional(),
    tags: attributeMap.optional(),
  }),
  GetQueueUrl: z.object({ QueueName: str, QueueOwnerAWSAccountId: str.optional() }),
  ListQueues: z.object({
    QueueNamePrefix: str.optional(),
    MaxResults: z.number().int().optional(),
    NextToken: str.optional(),
  }),
  DeleteQueue: z.object(url),
  GetQueueAttributes: z.object({ ...url, AttributeNames: z.array(str).optional() }),
  SetQueueAttributes: z.object({ ...url, Attributes: attributeMap }),
  SendMessage: z.object({
    ...url,
    MessageBody: str,
    DelaySeconds: z.number().int().optional(),
    MessageAttributes: z.record(z.string(), messageAttribute).optional(),
  }),
  ReceiveMessage: z.object({
    ...url,
    MaxNumberOfMessages: z.number().int().optional(),
    VisibilityTimeout: z.number().int().optional(),
    WaitTimeSeconds: z.number().int().optional(),
    AttributeNames: z.array(str).optional(),
    MessageSystemAttributeNames: z.array(str).optional(),
    MessageAttributeNames: z.array(str).optional(),
  }),
  DeleteMessage: z.object({ ...url, ReceiptHandle: str }),
  ChangeMessageVisibility: z.object({ ...url, ReceiptHandle: str, VisibilityTimeout: z.number() }),
  PurgeQueue: z.object(url),
} satisfies Record<string, z.ZodType>;

type Schemas = typeof schemas;
type Op = keyof Schemas;
type Handlers = { [K in Op]: (m: SqsModel, input: z.output<Schemas[K]>) => unknown };

const handlers: Handlers = {
  CreateQueue: (m, i) => m.createQueue(i.QueueName, i.Attributes),
  GetQueueUrl: (m, i) => m.getQueueUrl(i.QueueName, i.QueueOwnerAWSAccountId),
  ListQueues: (m, i) => m.listQueues(i.QueueNamePrefix, i.MaxResults, i.NextToken),
  DeleteQueue: (m, i) => m.deleteQueue(i.QueueUrl),
  GetQueueAttributes: (m, i) => {
    const attributes = m.getQueueAttributes(i.QueueUrl, i.AttributeNames);
    return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
  },
  SetQueueAttributes: (m, i) => m.setQueueAttributes(i.QueueUrl, i.Attributes),
  SendMessage: (m, i) =>
    m.sendMessage(i.QueueUrl, i.MessageBody, {
      ...(i.DelaySeconds !== undefined ? { delaySeconds: i.DelaySeconds } : {}),
      ...(i.MessageAttributes ? { attributes: decodeAttributes(i.MessageAttributes) } : {}),
    }),
  ReceiveMessage: (m, i) => {
    if (i.WaitTimeSeconds !== undefined && (i.WaitTimeSeconds < 0 || i.WaitTimeSeconds > 20)) {
      throw new AwsError(
        'InvalidParameterValue',
        `Value ${i.WaitTimeSeconds} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`,
      );
    }
    // Long polling would wait on the emulator's clock, which may be virtual: answer at once.
    const messages = m.receiveMessage(i.QueueUrl, {
      ...(i.MaxNumberOfMessages !== undefined
        ? { maxNumberOfMessages: i.MaxNumberOfMessages }
        : {}),
      ...(i.VisibilityTimeout !== undefined ? { visibilityTimeout: i.VisibilityTimeout } : {}),
      attributeNames: [...(i.AttributeNames ?? []), ...(i.MessageSystemAttributeNames ?? [])],
      messageAttributeNames: i.MessageAttributeNames ?? [],
    });
    // An empty receive answers `{}`, without an empty list.
    if (messages.length === 0) return {};
    return {
      Messages: messages.map((msg) => ({
        ...msg,
        ...(msg.MessageAttributes
          ? { MessageAttributes: encodeAttributes(msg.MessageAttributes) }
          : {}),
      })),
    };
  },
  DeleteMessage: (m, i) => m.deleteMessage(i.QueueUrl, i.ReceiptHandle),
  ChangeMessageVisibility: (m, i) =>
    m.changeMessageVisibility(i.QueueUrl, i.ReceiptHandle, i.VisibilityTimeout),
  PurgeQueue: (m, i) => m.purgeQueue(i.QueueUrl),
};

/** SQS over awsJson1_0 (`x-amz-target: AmazonSQS.<Op>`), as current SDKs and CLIs speak it. */
export class SqsJsonEndpoint implements ServiceEndpoint {
  readonly name = 'sqs';

  constructor(private readonly resolve: (region: string) => SqsModel) {}

  accepts(req: AwsRequest): boolean {
    return req.target?.startsWith(TARGET_PREFIX) ?? false;
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    try {
      const op = (req.target ?? '').slice(TARGET_PREFIX.length);
      const input = parseJsonBody(req);
      return jsonResponse(run(this.resolve(req.region), op, input) ?? {}, JSON_TYPE);
    } catch (err) {
      return sqsJsonError(err);
    }
  }
}

/** SQS over the Query protocol (form posts, XML answers), as older SDKs and CLIs speak it. */
export class SqsQueryEndpoint implements ServiceEndpoint {
  readonly name = 'sqs-query';

  constructor(private readonly resolve: (region: string) => SqsModel) {}

  accepts(req: AwsRequest): boolean {
    const contentType = String(req.headers['content-type'] ?? '');
    const form =
      contentType.startsWith('application/x-www-form-urlencoded') || req.method === 'GET';
    if (!form || req.target !== undefined) return false;
    if (req.signingService === 'sqs' || QUEUE_PATH.test(req.path)) return true;
    return queryParams(req).get('Version') === SQS_VERSION;
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    const params = queryParams(req);
    try {
      const op = params.get('Action') ?? '';
      const decoded = decodeQuery(params);
      const input = fromQuery(op, decoded);
      // The Query protocol may name the queue by the URL it posts to instead of a parameter.
      if (input.QueueUrl === undefined && QUEUE_PATH.test(req.path)) input.QueueUrl = req.path;
      const result = run(this.resolve(req.region), op, input);
      return sqsXml(op, toQueryShape(op, result), req.requestId);
    } catch (err) {
      const e = toAwsError(err);
      const code = QUERY_CODES[e.code] ?? e.code;
      return queryErrorResponse(
        new AwsError(code, e.message, e.status, e.faultType),
        req.requestId,
        SQS_XMLNS,
      );
    }
  }
}

function run(model: SqsModel, op: string, input: Record<string, unknown>): unknown {
  if (!Object.hasOwn(handlers, op)) {
    throw new AwsError(
      'UnsupportedOperation',
      `Operation ${op || '(none)'} is not supported by the emulated SQS service`,
    );
  }
  const parsed = schemas[op as Op].safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.join('.');
    if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
      throw new AwsError('MissingParameter', `The request must contain the parameter ${at}.`);
    }
    throw new AwsError(
      'InvalidParameterValue',
      `Value for parameter ${at} is invalid. Reason: ${issue.message}.`,
    );
  }
  const handler = handlers[op as Op] as (m: SqsModel, input: unknown) => unknown;
  return handler(model, parsed.data);
}

function sqsJsonError(err: unknown): AwsResponse {
  const e = toAwsError(err);
  return {
    status: e.status,
    headers: {
      'content-type': JSON_TYPE,
      'x-amzn-query-error': `${QUERY_CODES[e.code] ?? e.code};${e.faultType}`,
    },
    body: JSON.stringify({ __type: `com.amazonaws.sqs#${e.code}`, message: e.message }),
  };
}

function decodeAttributes(
  attrs: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>,
): Record<string, MessageAttribute> {
  const out: Record<string, MessageAttribute> = {};
  for (const [k, a] of Object.entries(attrs)) {
    if (!/^(String|Number|Binary)(\..+)?$/.test(a.DataType)) {
      throw new AwsError(
        'InvalidParameterValue',
        `The message attribute '${k}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    const binary = a.DataType.startsWith('Binary');
    const value = binary ? a.BinaryValue : a.StringValue;
    if (value === undefined || value === '') {
      throw new AwsError(
        'InvalidParameterValue',
        `The message attribute '${k}' must contain a non-empty message attribute value for message attribute type '${a.DataType}'.`,
      );
    }
    out[k] = binary
      ? { DataType: a.DataType, BinaryValue: Buffer.from(value, 'base64') }
      : { DataType: a.DataType, StringValue: value };
  }
  return out;
}

function encodeAttributes(attrs: Record<string, MessageAttribute>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(attrs).map(([k, a]) => [
      k,
      a.BinaryValue !== undefined
        ? { DataType: a.DataType, BinaryValue: Buffer.from(a.BinaryValue).toString('base64') }
        : { DataType: a.DataType, StringValue: a.StringValue },
    ]),
  );
}

/** Query parameters in the JSON protocol's shapes, so both share one schema per operation. */
function fromQuery(op: string, p: Record<string, QueryValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const ints = ['MaxResults', 'DelaySeconds', 'MaxNumberOfMessages', 'VisibilityTimeout'];
  for (const [k, v] of Object.entries(p)) {
    if (typeof v === 'string' && (ints.includes(k) || k === 'WaitTimeSeconds')) {
      out[k] = Number(v);
    } else if (k === 'Attribute' || k === 'Tag') {
      // `Attribute.1.Name=...&Attribute.1.Value=...` (no `entry` marker in SQS's flattened maps).
      out[k === 'Attribute' ? 'Attributes' : 'tags'] = flatMap(v, 'Name', 'Value', 'Key');
    } else if (k === 'AttributeName' || k === 'MessageSystemAttributeName') {
      out[k === 'AttributeName' ? 'AttributeNames' : 'MessageSystemAttributeNames'] = values(v);
    } else if (k === 'MessageAttributeName') {
      out.MessageAttributeNames = values(v);
    } else if (k === 'MessageAttribute') {
      const attrs: Record<string, unknown> = {};
      for (const entry of values(v)) {
        const e = entry as Record<string, QueryValue>;
        const value = (e.Value ?? {}) as Record<string, QueryValue>;
        attrs[String(e.Name)] = { ...value };
      }
      out.MessageAttributes = attrs;
    } else {
      out[k] = v;
    }
  }
  void op;
  return out;
}

function values(v: QueryValue): QueryValue[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'object') return Object.values(v);
  return [v];
}

function flatMap(
  v: QueryValue,
  key: string,
  value: string,
  altKey: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of values(v)) {
    if (typeof entry !== 'object' || Array.isArray(entry)) continue;
    const k = entry[key] ?? entry[altKey];
    const val = entry[value];
    if (typeof k === 'string' && typeof val === 'string') out[k] = val;
  }
  return out;
}

/** The Query protocol writes maps as flattened `Attribute`/`Message` lists. */
function toQueryShape(op: string, result: unknown): Record<string, unknown> | undefined {
  if (result === undefined || result === null) return undefined;
  const r = result as Record<string, unknown>;
  switch (op) {
    case 'ListQueues':
      return { QueueUrl: r.QueueUrls, NextToken: r.NextToken };
    case 'GetQueueAttributes':
      return {
        Attribute: Object.entries((r.Attributes ?? {}) as Record<string, string>).map(
          ([Name, Value]) => ({ Name, Value }),
        ),
      };
    case 'ReceiveMessage':
      return {
        Message: ((r.Messages ?? []) as Record<string, unknown>[]).map((m) => ({
          ...m,
          Attributes: undefined,
          MessageAttributes: undefined,
          Attribute: Object.entries((m.Attributes ?? {}) as Record<string, string>).map(
            ([Name, Value]) => ({ Name, Value }),
          ),
          MessageAttribute: Object.entries(
            (m.MessageAttributes ?? {}) as Record<string, Record<string, unknown>>,
          ).map(([Name, Value]) => ({ Name, Value })),
        })),
      };
    default:
      return r;
  }
}

const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: true, format: false });

/** SQS's Query answers write lists flattened (repeated elements), unlike SNS's `<member>` lists. */
function sqsXml(
  op: string,
  result: Record<string, unknown> | undefined,
  requestId: string,
): AwsResponse {
  const body = {
    [`${op}Response`]: {
      '@_xmlns': SQS_XMLNS,
      ...(result === undefined ? {} : { [`${op}Result`]: result }),
      ResponseMetadata: { RequestId: requestId },
    },
  };
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(body)}`,
  };
}
