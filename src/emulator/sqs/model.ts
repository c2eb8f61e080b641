import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { QueueSender } from '../contracts.js';
import { AwsError } from '../protocol/errors.js';

export interface SqsModelOptions {
  clock: Clock;
  region: string;
  accountId: string;
  /** The emulator's URL: queue URLs point at it, since the SDK sends requests to the queue URL. */
  baseUrl: () => string;
}

export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

export interface ReceivedMessage {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: Record<string, MessageAttribute>;
  MD5OfMessageAttributes?: string;
}

interface StoredMessage {
  id: string;
  body: string;
  md5: string;
  attributes: Record<string, MessageAttribute>;
  md5OfAttributes: string | undefined;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** The handle of the latest receive: only it can delete the message (older ones are stale). */
  receiptHandle?: string;
}

interface Queue {
  name: string;
  url: string;
  arn: string;
  attributes: Record<string, string>;
  createdAt: number;
  modifiedAt: number;
  messages: StoredMessage[];
  lastPurgeAt?: number;
}

/**
 * The attributes a standard queue has, with AWS's defaults and limits (SQS Developer Guide,
 * "Amazon SQS quotas"; the message size limit became 1 MiB in 2025).
 */
const SETTABLE: Record<string, { default: string; min?: number; max?: number }> = {
  DelaySeconds: { default: '0', min: 0, max: 900 },
  MaximumMessageSize: { default: '1048576', min: 1024, max: 1048576 },
  MessageRetentionPeriod: { default: '345600', min: 60, max: 1209600 },
  ReceiveMessageWaitTimeSeconds: { default: '0', min: 0, max: 20 },
  VisibilityTimeout: { default: '30', min: 0, max: 43200 },
  Policy: { default: '' },
  RedrivePolicy: { default: '' },
  RedriveAllowPolicy: { default: '' },
  KmsMasterKeyId: { default: '' },
  KmsDataKeyReusePeriodSeconds: { default: '300', min: 60, max: 86400 },
  SqsManagedSseEnabled: { default: 'true' },
};
const READ_ONLY = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
];
const QUEUE_NAME_RE = /^[A-Za-z0-9_-]{1,80}$/;
const PURGE_INTERVAL_MS = 60_000;
const MESSAGE_SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
];

const invalidParameter = (message: string) => new AwsError('InvalidParameterValue', message);
const noQueue = () => new AwsError('QueueDoesNotExist', 'The specified queue does not exist.', 400);

/**
 * SQS standard queues for one region: enough for dead-letter queues and on-failure destinations
 * that users and tests read. Visibility, delays and retention run on the emulator's clock.
 */
export class SqsModel implements QueueSender {
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly opts: SqsModelOptions) {}

  queueArn(name: string): string {
    return `arn:aws:sqs:${this.opts.region}:${this.opts.accountId}:${name}`;
  }

  createQueue(name: string, attributes: Record<string, string> = {}): { QueueUrl: string } {
    if (name.endsWith('.fifo')) {
      throw invalidParameter('The embedded emulator serves standard queues only, not FIFO queues.');
    }
    if (!QUEUE_NAME_RE.test(name)) {
      throw invalidParameter(
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    }
    const checked = checkAttributes(attributes);
    const existing = this.queues.get(name);
    if (existing) {
      for (const [k, v] of Object.entries(checked)) {
        if (existing.attributes[k] !== v) {
          throw new AwsError(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute ${k}`,
          );
        }
      }
      return { QueueUrl: existing.url };
    }
    const now = this.opts.clock.now();
    const defaults = Object.fromEntries(Object.entries(SETTABLE).map(([k, v]) => [k, v.default]));
    const queue: Queue = {
      name,
      url: `${this.opts.baseUrl()}/${this.opts.accountId}/${name}`,
      arn: this.queueArn(name),
      attributes: { ...defaults, ...checked },
      createdAt: now,
      modifiedAt: now,
      messages: [],
    };
    this.queues.set(name, queue);
    return { QueueUrl: queue.url };
  }

  getQueueUrl(name: string, ownerAccountId?: string): { QueueUrl: string } {
    if (ownerAccountId !== undefined && ownerAccountId !== this.opts.accountId) throw noQueue();
    const q = this.queues.get(name);
    if (!q) throw noQueue();
    return { QueueUrl: q.url };
  }

  listQueues(
    prefix?: string,
    maxResults?: number,
    nextToken?: string,
  ): { QueueUrls: string[]; NextToken?: string } {
    if (maxResults !== undefined && (maxResults < 1 || maxResults > 1000)) {
      throw invalidParameter(
        'Value for parameter MaxResults is invalid. Reason: must be 1 to 1000.',
      );
    }
    const after = nextToken ? Buffer.from(nextToken, 'base64').toString('utf8') : '';
    const names = [...this.queues.keys()]
      .filter((n) => prefix === undefined || n.startsWith(prefix))
      .sort()
      .filter((n) => n > after);
    // Without MaxResults AWS returns up to 1,000 queues and no token.
    const page = names.slice(0, maxResults ?? 1000);
    const out: { QueueUrls: string[]; NextToken?: string } = {
      QueueUrls: page.map((n) => this.queues.get(n)!.url),
    };
    if (maxResults !== undefined && names.length > page.length) {
      out.NextToken = Buffer.from(page[page.length - 1]!).toString('base64');
    }
    return out;
  }

  deleteQueue(url: string): void {
    this.queues.delete(this.byUrl(url).name);
  }

  getQueueAttributes(url: string, names: string[] = []): Record<string, string> {
    const q = this.byUrl(url);
    this.expire(q);
    const now = this.opts.clock.now();
    const all: Record<string, string> = {
      ...Object.fromEntries(Object.entries(q.attributes).filter(([, v]) => v !== '')),
      QueueArn: q.arn,
      ApproximateNumberOfMessages: String(q.messages.filter((m) => m.visibleAt <= now).length),
      ApproximateNumberOfMessagesNotVisible: String(
        q.messages.filter((m) => m.visibleAt > now && m.receiveCount > 0).length,
      ),
      ApproximateNumberOfMessagesDelayed: String(
        q.messages.filter((m) => m.visibleAt > now && m.receiveCount === 0).length,
      ),
      CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(q.modifiedAt / 1000)),
    };
    if (names.length === 0) return {};
    if (names.includes('All')) return all;
    const out: Record<string, string> = {};
    for (const n of names) {
      if (!(n in SETTABLE) && !READ_ONLY.includes(n)) {
        throw new AwsError('InvalidAttributeName', `Unknown Attribute ${n}.`);
      }
      if (all[n] !== undefined) out[n] = all[n];
    }
    return out;
  }

  setQueueAttributes(url: string, attributes: Record<string, string>): void {
    const q = this.byUrl(url);
    Object.assign(q.attributes, checkAttributes(attributes));
    q.modifiedAt = this.opts.clock.now();
  }

  sendMessage(
    url: string,
    body: string,
    opts: { delaySeconds?: number; attributes?: Record<string, MessageAttribute> } = {},
  ): { MessageId: string; MD5OfMessageBody: string; MD5OfMessageAttributes?: string } {
    return this.enqueue(this.byUrl(url), body, opts);
  }

  /** For Lambda destinations and other services, which name the queue by ARN. */
  sendToArn(queueArn: string, body: string, attributes?: Record<string, MessageAttribute>): void {
    const name = queueArn.split(':').pop() ?? '';
    const q = this.queues.get(name);
    if (!q || q.arn !== queueArn) {
      throw new AwsError('QueueDoesNotExist', `The queue ${queueArn} does not exist.`);
    }
    this.enqueue(q, body, attributes ? { attributes } : {});
  }

  receiveMessage(
    url: string,
    opts: {
      maxNumberOfMessages?: number;
      visibilityTimeout?: number;
      attributeNames?: string[];
      messageAttributeNames?: string[];
    } = {},
  ): ReceivedMessage[] {
    const q = this.byUrl(url);
    const max = opts.maxNumberOfMessages ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      throw invalidParameter(
        `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
      );
    }
    const visibility = opts.visibilityTimeout ?? Number(q.attributes.VisibilityTimeout);
    if (!Number.isInteger(visibility) || visibility < 0 || visibility > 43200) {
      throw invalidParameter(
        `Value ${visibility} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`,
      );
    }
    this.expire(q);
    const now = this.opts.clock.now();
    const systemNames = expandNames(opts.attributeNames ?? [], MESSAGE_SYSTEM_ATTRIBUTES);
    const out: ReceivedMessage[] = [];
    for (const m of q.messages) {
      if (out.length >= max) break;
      if (m.visibleAt > now) continue;
      m.receiveCount++;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + visibility * 1000;
      m.receiptHandle = randomBytes(48).toString('base64');
      const received: ReceivedMessage = {
        MessageId: m.id,
        ReceiptHandle: m.receiptHandle,
        MD5OfBody: m.md5,
        Body: m.body,
      };
      const system: Record<string, string> = {
        SenderId: this.opts.accountId,
        SentTimestamp: String(m.sentAt),
        ApproximateReceiveCount: String(m.receiveCount),
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt),
      };
      const chosen = Object.fromEntries(systemNames.map((n) => [n, system[n]!]));
      if (Object.keys(chosen).length > 0) received.Attributes = chosen;
      const wanted = opts.messageAttributeNames ?? [];
      const attrs = Object.fromEntries(
        Object.entries(m.attributes).filter(
          ([k]) =>
            wanted.includes('All') ||
            wanted.includes('.*') ||
            wanted.some((w) => w === k || (w.endsWith('.*') && k.startsWith(w.slice(0, -1)))),
        ),
      );
      if (Object.keys(attrs).length > 0) {
        received.MessageAttributes = attrs;
        received.MD5OfMessageAttributes = md5OfAttributes(attrs);
      }
      out.push(received);
    }
    return out;
  }

  deleteMessage(url: string, receiptHandle: string): void {
    const q = this.byUrl(url);
    const i = q.messages.findIndex((m) => m.receiptHandle === receiptHandle);
    if (i >= 0) {
      q.messages.splice(i, 1);
      return;
    }
    // A well-formed handle whose message is already gone is accepted, as SQS does.
    if (!/^[A-Za-z0-9+/=]{20,1024}$/.test(receiptHandle)) {
      throw new AwsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${receiptHandle.slice(0, 100)}" is not a valid receipt handle.`,
      );
    }
  }

  changeMessageVisibility(url: string, receiptHandle: string, visibilityTimeout: number): void {
    const q = this.byUrl(url);
    const m = q.messages.find((x) => x.receiptHandle === receiptHandle);
    if (!m) {
      throw new AwsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${receiptHandle.slice(0, 100)}" is not a valid receipt handle.`,
      );
    }
    m.visibleAt = this.opts.clock.now() + visibilityTimeout * 1000;
  }

  purgeQueue(url: string): void {
    const q = this.byUrl(url);
    const now = this.opts.clock.now();
    if (q.lastPurgeAt !== undefined && now - q.lastPurgeAt < PURGE_INTERVAL_MS) {
      throw new AwsError(
        'PurgeQueueInProgress',
        `Only one PurgeQueue operation on ${q.name} is allowed every 60 seconds.`,
        403,
      );
    }
    q.lastPurgeAt = now;
    q.messages = [];
  }

  private enqueue(
    q: Queue,
    body: string,
    opts: { delaySeconds?: number; attributes?: Record<string, MessageAttribute> },
  ): { MessageId: string; MD5OfMessageBody: string; MD5OfMessageAttributes?: string } {
    if (body === '') {
      throw new AwsError('MissingParameter', 'The request must contain the parameter MessageBody.');
    }
    // SQS accepts #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.
    if (/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\uD800-\uDFFF]/.test(body)) {
      throw invalidParameter(
        'Invalid binary character in the message body. Only Unicode characters from the allowed set are accepted.',
      );
    }
    const attributes = opts.attributes ?? {};
    const size = Buffer.byteLength(body) + attributesSize(attributes);
    const max = Number(q.attributes.MaximumMessageSize);
    if (size > max) {
      throw invalidParameter(
        `One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`,
      );
    }
    const delay = opts.delaySeconds ?? Number(q.attributes.DelaySeconds);
    if (!Number.isInteger(delay) || delay < 0 || delay > 900) {
      throw invalidParameter(
        `Value ${delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`,
      );
    }
    const now = this.opts.clock.now();
    const md5OfAttrs = Object.keys(attributes).length > 0 ? md5OfAttributes(attributes) : undefined;
    const message: StoredMessage = {
      id: randomUUID(),
      body,
      md5: md5(Buffer.from(body)),
      attributes,
      md5OfAttributes: md5OfAttrs,
      sentAt: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
    };
    q.messages.push(message);
    const out: { MessageId: string; MD5OfMessageBody: string; MD5OfMessageAttributes?: string } = {
      MessageId: message.id,
      MD5OfMessageBody: message.md5,
    };
    if (md5OfAttrs !== undefined) out.MD5OfMessageAttributes = md5OfAttrs;
    return out;
  }

  /** Drops messages older than the queue's retention period. */
  private expire(q: Queue): void {
    const cutoff = this.opts.clock.now() - Number(q.attributes.MessageRetentionPeriod) * 1000;
    if (q.messages.some((m) => m.sentAt <= cutoff)) {
      q.messages = q.messages.filter((m) => m.sentAt > cutoff);
    }
  }

  /** Accepts the queue URL in any host form (the path names account and queue). */
  private byUrl(url: string): Queue {
    let parts: string[];
    try {
      parts = new URL(url).pathname.split('/').filter(Boolean);
    } catch {
      parts = url.split('/').filter(Boolean);
    }
    const [account, name] = parts.length >= 2 ? parts.slice(-2) : [undefined, parts[0]];
    if (account !== undefined && account !== this.opts.accountId) throw noQueue();
    const q = name === undefined ? undefined : this.queues.get(name);
    if (!q) throw noQueue();
    return q;
  }
}

function checkAttributes(attributes: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attributes)) {
    const rule = SETTABLE[k];
    if (!rule) {
      if (k === 'FifoQueue' && v === 'false') continue;
      throw new AwsError('InvalidAttributeName', `Unknown Attribute ${k}.`);
    }
    if (rule.min !== undefined) {
      const n = Number(v);
      if (v.trim() === '' || !Number.isInteger(n) || n < rule.min || n > rule.max!) {
        throw new AwsError(
          'InvalidAttributeValue',
          `Invalid value for the parameter ${k}. Reason: must be an integer from ${rule.min} to ${rule.max}.`,
        );
      }
      out[k] = String(n);
    } else {
      if (k === 'RedrivePolicy' && v !== '') checkRedrive(v);
      out[k] = v;
    }
  }
  return out;
}

function checkRedrive(v: string): void {
  let policy: unknown;
  try {
    policy = JSON.parse(v);
  } catch {
    throw new AwsError(
      'InvalidAttributeValue',
      'Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map.',
    );
  }
  const p = policy as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
  if (typeof p?.deadLetterTargetArn !== 'string' || p.maxReceiveCount === undefined) {
    throw new AwsError(
      'InvalidAttributeValue',
      'Value for parameter RedrivePolicy is invalid. Reason: Redrive policy needs deadLetterTargetArn and maxReceiveCount.',
    );
  }
}

function expandNames(names: string[], all: string[]): string[] {
  if (names.includes('All')) return all;
  return names.filter((n) => all.includes(n));
}

function attributesSize(attrs: Record<string, MessageAttribute>): number {
  let n = 0;
  for (const [k, a] of Object.entries(attrs)) {
    n += Buffer.byteLength(k) + Buffer.byteLength(a.DataType);
    n += a.StringValue !== undefined ? Buffer.byteLength(a.StringValue) : 0;
    n += a.BinaryValue?.length ?? 0;
  }
  return n;
}

function md5(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

/**
 * The digest SQS returns for message attributes and SDKs verify: names in order, each as
 * length-prefixed name and type, a transport byte (1 string, 2 binary) and the length-prefixed value.
 */
export function md5OfAttributes(attrs: Record<string, MessageAttribute>): string {
  const hash = createHash('md5');
  const prefixed = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    hash.update(len);
    hash.update(b);
  };
  for (const name of Object.keys(attrs).sort()) {
    const a = attrs[name]!;
    prefixed(Buffer.from(name));
    prefixed(Buffer.from(a.DataType));
    if (a.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      prefixed(Buffer.from(a.BinaryValue));
    } else {
      hash.update(Buffer.from([1]));
      prefixed(Buffer.from(a.StringValue ?? ''));
    }
  }
  return hash.digest('hex');
}
