/**
 * SNS request shapes and rules, in zod as the other services do theirs. SNS speaks the Query
 * protocol only, so every value arrives as a string or as a list decoded from `Name.member.N` /
 * `Name.entry.N` keys (`decodeQuery`); the schemas turn those lists into maps. A shape fault is
 * `InvalidParameter` (`MissingParameter` for an absent required string); a rule then fails with
 * the wording SNS uses, and the first fault found is the request's error. The model checks what
 * needs its state (topics, subscriptions, region, paging tokens) afterwards.
 *
 * Publish is checked by `SnsModel.publish` itself (`publishSchema`), because CloudWatch, Lambda
 * and EventBridge publish through the `NotificationPublisher` seam without the wire.
 */
import { z } from 'zod';
import { AwsError } from '../protocol/errors.js';

const NAME_RE = /^[A-Za-z0-9_-]{1,256}$/;
export const LAMBDA_ARN_RE =
  /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:[a-zA-Z0-9_-]{1,64}(:(\$LATEST|[a-zA-Z0-9_-]+))?$/;
const FEEDBACK_ATTR_RE =
  /^(HTTP|Firehose|Lambda|SQS|Application)(Success|Failure)Feedback(RoleArn|SampleRate)$/;
const SETTABLE_TOPIC_ATTRIBUTES = new Set([
  'DisplayName',
  'Policy',
  'DeliveryPolicy',
  'KmsMasterKeyId',
  'SignatureVersion',
  'TracingConfig',
]);
/** Message plus attributes, in bytes. */
const MAX_MESSAGE_BYTES = 256 * 1024;
/** AWS: printable ASCII, starting with a letter, digit or punctuation (no space, no line break). */
const SUBJECT_RE = /^[A-Za-z0-9!-/:-@[-`{-~][\x20-\x7e]{0,99}$/;
const ATTRIBUTE_TYPE_RE = /^(String|Number|Binary|String\.Array)(\..+)?$/;

const invalidText = (what: string, reason?: string) =>
  `Invalid parameter: ${what}${reason ? ` Reason: ${reason}` : ''}`;

export const invalid = (what: string, reason?: string) =>
  new AwsError('InvalidParameter', invalidText(what, reason), 400);

/** Fails the parse with `error` as it is, so its code reaches the client. */
function raise(ctx: z.RefinementCtx, error: AwsError): void {
  ctx.addIssue({ code: 'custom', message: error.message, params: { error } });
}

/** A required string: absent, empty or not a string at all (a list) is a missing parameter. */
const required = (name: string) =>
  z.custom<string>((v) => typeof v === 'string' && v !== '', {
    params: {
      error: new AwsError('MissingParameter', `The request must contain the parameter ${name}`),
    },
  });

const optional = (name: string) => z.string({ error: invalidText(name) }).optional();

/** `Name.entry.N.<key>=k&Name.entry.N.<value>=v` (or `member`) as a map; a missing value is ''. */
function pairs(name: string, key: string, value: string) {
  const error = invalidText(name);
  return z
    .array(
      z.object({ [key]: z.string({ error }), [value]: z.string({ error }).default('') }, { error }),
      { error },
    )
    .optional()
    .transform((entries = []): Record<string, string> =>
      Object.fromEntries(entries.map((e) => [e[key], e[value]])),
    );
}

const attributeMap = (name: string) => pairs(name, 'key', 'value');
const tagMap = (name: string) => pairs(name, 'Key', 'Value');

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  /** Base64, as the Query protocol carries blobs. */
  BinaryValue?: string;
}

/** `MessageAttributes.entry.N.Name` and `.Value.DataType` / `.StringValue` / `.BinaryValue`. */
const messageAttributesShape = z
  .array(
    z.object(
      {
        Name: z.string({ error: invalidText('MessageAttributes') }),
        Value: z.object(
          {
            DataType: optional('DataType').default(''),
            StringValue: optional('StringValue'),
            BinaryValue: optional('BinaryValue'),
          },
          { error: invalidText('MessageAttributes') },
        ),
      },
      { error: invalidText('MessageAttributes') },
    ),
    { error: invalidText('MessageAttributes') },
  )
  .optional()
  .transform((entries = []): Record<string, MessageAttributeValue> =>
    Object.fromEntries(
      entries.map(({ Name, Value }) => [
        Name,
        {
          DataType: Value.DataType,
          ...(Value.StringValue !== undefined ? { StringValue: Value.StringValue } : {}),
          ...(Value.BinaryValue !== undefined ? { BinaryValue: Value.BinaryValue } : {}),
        },
      ]),
    ),
  );

function topicAttributeError(name: string, value: string): AwsError | undefined {
  if (!SETTABLE_TOPIC_ATTRIBUTES.has(name) && !FEEDBACK_ATTR_RE.test(name)) {
    return invalid('AttributeName');
  }
  if (value === '') return undefined;
  if (name === 'DisplayName' && value.length > 100) {
    return invalid('DisplayName', 'must be at most 100 characters');
  }
  if (name === 'SignatureVersion' && value !== '1' && value !== '2') {
    return invalid('SignatureVersion', 'must be 1 or 2');
  }
  if ((name === 'Policy' || name === 'DeliveryPolicy') && !isJson(value)) {
    return invalid(name, 'failed to parse JSON');
  }
  return undefined;
}

function tagsError(tags: Record<string, string>): AwsError | undefined {
  for (const [k, v] of Object.entries(tags)) {
    if (k.length < 1 || k.length > 128) return invalid('Tags', 'tag keys must be 1-128 characters');
    if (v.length > 256) return invalid('Tags', 'tag values must be at most 256 characters');
  }
  if (Object.keys(tags).length > 50) return invalid('Tags', 'a topic has at most 50 tags');
  return undefined;
}

const topicArn = z.object({ TopicArn: required('TopicArn') });
const subscriptionArn = z.object({ SubscriptionArn: required('SubscriptionArn') });
const resourceArn = z.object({ ResourceArn: required('ResourceArn') });
const nextToken = z.object({ NextToken: optional('NextToken') });

export const createTopicSchema = z
  .object({ Name: required('Name'), Attributes: attributeMap('Attributes'), Tags: tagMap('Tags') })
  .superRefine(({ Name, Attributes, Tags }, ctx) => {
    if (Name.endsWith('.fifo') || Attributes.FifoTopic === 'true') {
      return raise(
        ctx,
        invalid(
          'Topic Name',
          'FIFO topics deliver to SQS only, and the embedded emulator delivers to Lambda only',
        ),
      );
    }
    if (!NAME_RE.test(Name)) {
      return raise(
        ctx,
        invalid('Topic Name', 'must be 1-256 letters, digits, hyphens or underscores'),
      );
    }
    for (const [k, v] of Object.entries(Attributes)) {
      const error = k === 'FifoTopic' ? undefined : topicAttributeError(k, v);
      if (error) return raise(ctx, error);
    }
    const error = tagsError(Tags);
    if (error) raise(ctx, error);
  });

export const setTopicAttributesSchema = z
  .object({
    TopicArn: required('TopicArn'),
    AttributeName: required('AttributeName'),
    AttributeValue: optional('AttributeValue'),
  })
  .superRefine(({ AttributeName, AttributeValue }, ctx) => {
    const error =
      AttributeName === 'FifoTopic'
        ? invalid('AttributeName', 'FifoTopic can only be set at creation')
        : topicAttributeError(AttributeName, AttributeValue ?? '');
    if (error) raise(ctx, error);
  });

export const subscribeSchema = z
  .object({
    TopicArn: required('TopicArn'),
    Protocol: required('Protocol'),
    Endpoint: optional('Endpoint'),
    Attributes: attributeMap('Attributes'),
  })
  .superRefine(({ Protocol, Endpoint, Attributes }, ctx) => {
    if (Protocol !== 'lambda') {
      return raise(
        ctx,
        invalid(
          'Protocol',
          `The embedded emulator delivers to Lambda only; protocol ${Protocol} is not supported`,
        ),
      );
    }
    if (!Endpoint || !LAMBDA_ARN_RE.test(Endpoint)) {
      return raise(ctx, invalid('Lambda endpoint ARN'));
    }
    for (const [key, value] of Object.entries(Attributes)) {
      // Filter policies and raw delivery change what is delivered; accepting and then ignoring
      // them would make tests pass here that fail on AWS.
      if (key === 'RawMessageDelivery' && value === 'true') {
        return raise(
          ctx,
          invalid('Attributes', 'RawMessageDelivery is not valid for the lambda protocol'),
        );
      }
      if (key !== 'RawMessageDelivery' && key !== 'SubscriptionRoleArn') {
        return raise(
          ctx,
          invalid(
            'Attributes',
            `subscription attribute ${key} is not supported by the embedded emulator`,
          ),
        );
      }
    }
  })
  .transform((i) => ({ ...i, Endpoint: i.Endpoint! }));

export const tagResourceSchema = resourceArn
  .extend({ Tags: tagMap('Tags') })
  .superRefine(({ Tags }, ctx) => {
    const error = tagsError(Tags);
    if (error) raise(ctx, error);
  });

export const untagResourceSchema = z.object({
  // SNS names TagKeys missing whatever is wrong with it, and checks it before the ARN.
  TagKeys: z.custom<string[]>((v) => Array.isArray(v) && v.every((k) => typeof k === 'string'), {
    params: {
      error: new AwsError('MissingParameter', 'The request must contain the parameter TagKeys'),
    },
  }),
  ResourceArn: required('ResourceArn'),
});

/** Publish as the wire carries it, in the shape `publishSchema` checks. */
export const publishRequestSchema = z
  .object({
    TopicArn: optional('TopicArn'),
    TargetArn: optional('TargetArn'),
    PhoneNumber: optional('PhoneNumber'),
    Message: optional('Message'),
    Subject: optional('Subject'),
    MessageStructure: optional('MessageStructure'),
    MessageAttributes: messageAttributesShape,
  })
  .transform((p) => ({
    topicArn: p.TopicArn,
    targetArn: p.TargetArn,
    phoneNumber: p.PhoneNumber,
    message: p.Message ?? '',
    subject: p.Subject,
    messageStructure: p.MessageStructure,
    messageAttributes: p.MessageAttributes,
  }));

export interface PublishInput {
  topicArn?: string | undefined;
  targetArn?: string | undefined;
  phoneNumber?: string | undefined;
  message: string;
  subject?: string | undefined;
  messageStructure?: string | undefined;
  messageAttributes?: Record<string, MessageAttributeValue>;
}

/** A message SNS accepts: the topic to resolve and what its Lambda subscribers receive. */
export interface ValidMessage {
  topicArn: string;
  subject?: string | undefined;
  /** The message for the lambda protocol (with MessageStructure=json, its `lambda` entry). */
  message: string;
  attributes: Record<string, MessageAttributeValue>;
}

export const publishSchema = z
  .custom<PublishInput>()
  .superRefine((input, ctx) => {
    const error = publishError(input);
    if (error) raise(ctx, error);
  })
  .transform((input, ctx): ValidMessage => {
    const message = messageFor(input);
    if (message instanceof AwsError) {
      raise(ctx, message);
      return z.NEVER;
    }
    return {
      topicArn: (input.topicArn || input.targetArn)!,
      subject: input.subject,
      message,
      attributes: input.messageAttributes ?? {},
    };
  });

function publishError(input: PublishInput): AwsError | undefined {
  const targets = [input.topicArn, input.targetArn, input.phoneNumber].filter(
    (v) => v !== undefined && v !== '',
  );
  if (targets.length === 0)
    return invalid('TopicArn or TargetArn', 'no value for required parameter');
  if (targets.length > 1) {
    return invalid('TopicArn', 'Only one of TopicArn, TargetArn or PhoneNumber can be specified');
  }
  if (input.phoneNumber) {
    return invalid('PhoneNumber', 'the embedded emulator delivers to Lambda only, not SMS');
  }
  if (input.message === undefined || input.message === '')
    return invalid('Message', 'Empty message');
  if (input.subject !== undefined && !SUBJECT_RE.test(input.subject)) return invalid('Subject');
  const attributes = input.messageAttributes ?? {};
  const attributeError = messageAttributesError(attributes);
  if (attributeError) return attributeError;
  let size = Buffer.byteLength(input.message);
  for (const [name, a] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(a.DataType);
    size +=
      Buffer.byteLength(a.StringValue ?? '') + Buffer.from(a.BinaryValue ?? '', 'base64').length;
  }
  if (size > MAX_MESSAGE_BYTES) {
    return invalid(
      'Message too long',
      `message and attributes total ${size} bytes, above ${MAX_MESSAGE_BYTES}`,
    );
  }
  return undefined;
}

function messageAttributesError(
  attrs: Record<string, MessageAttributeValue>,
): AwsError | undefined {
  const names = Object.keys(attrs);
  if (names.length > 10) return invalid('MessageAttributes', 'at most 10 attributes are allowed');
  for (const name of names) {
    const a = attrs[name]!;
    if (!validAttributeName(name)) {
      return invalid('MessageAttributes', `invalid attribute name ${name}`);
    }
    if (!a.DataType || !ATTRIBUTE_TYPE_RE.test(a.DataType)) {
      return invalid(
        'MessageAttributes',
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    const value = a.DataType.startsWith('Binary') ? a.BinaryValue : a.StringValue;
    if (value === undefined || value === '') {
      return invalid(
        'MessageAttributes',
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${a.DataType}'.`,
      );
    }
    if (a.DataType.startsWith('Number') && !Number.isFinite(Number(value))) {
      return invalid(
        'MessageAttributes',
        `Could not cast message attribute '${name}' value to number.`,
      );
    }
    if (a.DataType.startsWith('String.Array') && !Array.isArray(parseJson(value))) {
      return invalid('MessageAttributes', `The message attribute '${name}' is not a JSON array.`);
    }
  }
  return undefined;
}

function validAttributeName(name: string): boolean {
  return (
    name.length <= 256 &&
    /^[A-Za-z0-9_.-]+$/.test(name) &&
    !name.startsWith('.') &&
    !name.endsWith('.') &&
    !name.includes('..') &&
    !/^(aws\.|amazon\.)/i.test(name)
  );
}

/** With MessageStructure=json the message is a map of per-protocol messages. */
function messageFor(input: PublishInput): string | AwsError {
  if (input.messageStructure === undefined || input.messageStructure === '') return input.message;
  if (input.messageStructure !== 'json') return invalid('MessageStructure');
  const parsed = parseJson(input.message);
  if (parsed === NOT_JSON) return invalid('Message', 'Failed to parse JSON');
  const obj = parsed as Record<string, unknown> | null;
  if (typeof obj !== 'object' || obj === null || typeof obj.default !== 'string') {
    return invalid('Message', 'Message Structure - No default entry in JSON message body');
  }
  const chosen = obj.lambda ?? obj.default;
  if (typeof chosen !== 'string') {
    return invalid('Message', 'Message Structure - lambda entry must be a string');
  }
  return chosen;
}

const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

const isJson = (text: string) => parseJson(text) !== NOT_JSON;

export const schemas = {
  CreateTopic: createTopicSchema,
  DeleteTopic: topicArn,
  ListTopics: nextToken,
  GetTopicAttributes: topicArn,
  SetTopicAttributes: setTopicAttributesSchema,
  Subscribe: subscribeSchema,
  Unsubscribe: subscriptionArn,
  GetSubscriptionAttributes: subscriptionArn,
  ListSubscriptions: nextToken,
  ListSubscriptionsByTopic: topicArn.extend(nextToken.shape),
  Publish: publishRequestSchema,
  ListTagsForResource: resourceArn,
  TagResource: tagResourceSchema,
  UntagResource: untagResourceSchema,
} satisfies Record<string, z.ZodType>;

/** Validates `input` and throws the AWS error of the first fault. */
export function parseSnsRequest<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const raised = (issue as { params?: { error?: unknown } }).params?.error;
  if (raised instanceof AwsError) throw raised;
  throw new AwsError('InvalidParameter', issue.message, 400);
}
