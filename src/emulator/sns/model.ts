import { createHmac, randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { LambdaInvoker, NotificationPublisher } from '../contracts.js';
import { AwsError } from '../protocol/errors.js';
import {
  invalid,
  LAMBDA_ARN_RE,
  parseSnsRequest,
  publishSchema,
  type MessageAttributeValue,
  type PublishInput,
} from './schemas.js';

export interface SnsModelOptions {
  clock: Clock;
  region: string;
  accountId: string;
  /** Finds the Lambda of a region, so a subscription reaches the function named by its ARN. */
  lambda: (region: string) => LambdaInvoker;
}

export interface Subscription {
  SubscriptionArn: string;
  Owner: string;
  Protocol: string;
  Endpoint: string;
  TopicArn: string;
}

export interface DeliveryRecord {
  messageId: string;
  topicArn: string;
  subscriptionArn: string;
  endpoint: string;
  /** Clock time of the attempt. */
  at: number;
  /** `delivered`: Lambda accepted the event (its own async retries take over from there). */
  status: 'pending' | 'delivered' | 'failed';
  error?: string;
}

interface Topic {
  arn: string;
  name: string;
  attributes: Record<string, string>;
  tags: Map<string, string>;
  subscriptions: Map<string, Subscription>;
}

const TOPIC_ARN_RE = /^arn:aws[a-zA-Z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]{1,256})$/;
const PAGE_SIZE = 100;
/**
 * Signs notifications so the field has the right shape. Real SNS signs with an RSA key behind
 * SigningCertUrl; nothing can verify these, and handlers that check signatures must not run here.
 */
const SIGNING_KEY = 'embedded-emulator-sns-signing-key';

const topicNotFound = () => new AwsError('NotFound', 'Topic does not exist', 404);

/**
 * SNS for one region. It delivers to Lambda subscriptions only: each message becomes the event
 * Lambda receives from SNS, invoked asynchronously so that Lambda's retry rules apply. Requests
 * arrive checked against `schemas.ts`; the model checks what needs its state.
 */
export class SnsModel implements NotificationPublisher {
  private readonly topics = new Map<string, Topic>();
  private readonly log: DeliveryRecord[] = [];

  constructor(private readonly opts: SnsModelOptions) {}

  get region(): string {
    return this.opts.region;
  }

  createTopic(
    name: string,
    attributes: Record<string, string> = {},
    tags: Record<string, string> = {},
  ): { TopicArn: string } {
    const arn = `arn:aws:sns:${this.opts.region}:${this.opts.accountId}:${name}`;
    const existing = this.topics.get(arn);
    if (existing) {
      // CreateTopic is idempotent only when the request asks for what already exists.
      for (const [k, v] of Object.entries(attributes)) {
        if (k !== 'FifoTopic' && existing.attributes[k] !== v) {
          throw invalid('Attributes', 'Topic already exists with different attributes');
        }
      }
      for (const [k, v] of Object.entries(tags)) {
        if (existing.tags.get(k) !== v) {
          throw invalid('Tags', 'Topic already exists with different tags');
        }
      }
      return { TopicArn: arn };
    }
    const topic: Topic = {
      arn,
      name,
      attributes: {},
      tags: new Map(),
      subscriptions: new Map(),
    };
    for (const [k, v] of Object.entries(attributes)) {
      if (k !== 'FifoTopic') topic.attributes[k] = v;
    }
    for (const [k, v] of Object.entries(tags)) topic.tags.set(k, v);
    this.topics.set(arn, topic);
    return { TopicArn: arn };
  }

  deleteTopic(topicArn: string): void {
    // Deleting a topic that does not exist succeeds, as on AWS.
    this.parseTopicArn(topicArn);
    this.topics.delete(topicArn);
  }

  listTopics(nextToken?: string): { Topics: { TopicArn: string }[]; NextToken?: string } {
    const { items, next } = page([...this.topics.keys()], nextToken);
    return {
      Topics: items.map((TopicArn) => ({ TopicArn })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  getTopicAttributes(topicArn: string): Record<string, string> {
    const topic = this.topic(topicArn);
    return {
      TopicArn: topic.arn,
      Owner: this.opts.accountId,
      DisplayName: '',
      SubscriptionsConfirmed: String(topic.subscriptions.size),
      SubscriptionsPending: '0',
      SubscriptionsDeleted: '0',
      Policy: JSON.stringify(defaultPolicy(topic.arn, this.opts.accountId)),
      EffectiveDeliveryPolicy: JSON.stringify(DEFAULT_DELIVERY_POLICY),
      ...topic.attributes,
    };
  }

  setTopicAttributes(topicArn: string, name: string, value: string | undefined): void {
    const topic = this.topic(topicArn);
    if (value === undefined || value === '') delete topic.attributes[name];
    else topic.attributes[name] = value;
  }

  subscribe(topicArn: string, protocol: string, endpoint: string): { SubscriptionArn: string } {
    const topic = this.topic(topicArn);
    for (const sub of topic.subscriptions.values()) {
      if (sub.Protocol === protocol && sub.Endpoint === endpoint) {
        return { SubscriptionArn: sub.SubscriptionArn };
      }
    }
    const sub: Subscription = {
      SubscriptionArn: `${topic.arn}:${randomUUID()}`,
      Owner: this.opts.accountId,
      Protocol: protocol,
      Endpoint: endpoint,
      TopicArn: topic.arn,
    };
    topic.subscriptions.set(sub.SubscriptionArn, sub);
    return { SubscriptionArn: sub.SubscriptionArn };
  }

  unsubscribe(subscriptionArn: string): void {
    this.findSubscription(subscriptionArn).topic.subscriptions.delete(subscriptionArn);
  }

  getSubscriptionAttributes(subscriptionArn: string): Record<string, string> {
    const s = this.findSubscription(subscriptionArn).sub;
    return {
      SubscriptionArn: s.SubscriptionArn,
      TopicArn: s.TopicArn,
      Owner: s.Owner,
      Protocol: s.Protocol,
      Endpoint: s.Endpoint,
      ConfirmationWasAuthenticated: 'true',
      PendingConfirmation: 'false',
      RawMessageDelivery: 'false',
      SubscriptionPrincipal: `arn:aws:iam::${this.opts.accountId}:root`,
    };
  }

  listSubscriptions(nextToken?: string): { Subscriptions: Subscription[]; NextToken?: string } {
    const all = [...this.topics.values()].flatMap((t) => [...t.subscriptions.values()]);
    return this.subscriptionPage(all, nextToken);
  }

  listSubscriptionsByTopic(
    topicArn: string,
    nextToken?: string,
  ): { Subscriptions: Subscription[]; NextToken?: string } {
    return this.subscriptionPage([...this.topic(topicArn).subscriptions.values()], nextToken);
  }

  listTagsForResource(arn: string): { Key: string; Value: string }[] {
    return [...this.topic(arn, 'ResourceNotFound').tags].map(([Key, Value]) => ({ Key, Value }));
  }

  tagResource(arn: string, tags: Record<string, string>): void {
    const topic = this.topic(arn, 'ResourceNotFound');
    for (const [k, v] of Object.entries(tags)) topic.tags.set(k, v);
  }

  untagResource(arn: string, keys: string[]): void {
    const topic = this.topic(arn, 'ResourceNotFound');
    for (const k of keys) topic.tags.delete(k);
  }

  /**
   * Accepts a message and starts its delivery to every subscription; the returned promise does
   * not wait for the functions (delivery is tracked on the clock instead). The message is checked
   * here, since other services publish through this method without the wire.
   */
  async publish(input: PublishInput): Promise<{ messageId: string }> {
    const valid = parseSnsRequest(publishSchema, input);
    const topic = this.topic(valid.topicArn);
    const messageId = randomUUID();
    const timestamp = new Date(this.opts.clock.now()).toISOString();
    for (const sub of topic.subscriptions.values()) {
      const event = this.eventFor(sub, {
        messageId,
        topicArn: topic.arn,
        subject: valid.subject ?? null,
        message: valid.message,
        timestamp,
        attributes: valid.attributes,
      });
      const record: DeliveryRecord = {
        messageId,
        topicArn: topic.arn,
        subscriptionArn: sub.SubscriptionArn,
        endpoint: sub.Endpoint,
        at: this.opts.clock.now(),
        status: 'pending',
      };
      this.log.push(record);
      void this.opts.clock.track(this.deliver(sub, event, record));
    }
    return { messageId };
  }

  /** Every delivery attempt so far, oldest first. */
  deliveries(): DeliveryRecord[] {
    return this.log.map((r) => ({ ...r }));
  }

  private async deliver(sub: Subscription, event: unknown, record: DeliveryRecord): Promise<void> {
    try {
      const region = LAMBDA_ARN_RE.exec(sub.Endpoint)![1]!;
      const result = await this.opts
        .lambda(region)
        .invoke(sub.Endpoint, JSON.stringify(event), 'Event');
      record.status = result.statusCode === 202 ? 'delivered' : 'failed';
      if (record.status === 'failed') record.error = `Lambda answered ${result.statusCode}`;
    } catch (err) {
      // SNS retries failed Lambda deliveries for days; the emulator records the failure instead.
      record.status = 'failed';
      record.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
  }

  private eventFor(
    sub: Subscription,
    m: {
      messageId: string;
      topicArn: string;
      subject: string | null;
      message: string;
      timestamp: string;
      attributes: Record<string, MessageAttributeValue>;
    },
  ): unknown {
    // fromEntries, not assignment: an attribute named `__proto__` is delivered, not dropped.
    const attributes = Object.fromEntries(
      Object.entries(m.attributes).map(([name, a]) => [
        name,
        { Type: a.DataType, Value: a.StringValue ?? a.BinaryValue ?? '' },
      ]),
    );
    const host = `sns.${this.opts.region}.amazonaws.com`;
    const canonical = [
      'Message',
      m.message,
      'MessageId',
      m.messageId,
      ...(m.subject === null ? [] : ['Subject', m.subject]),
      'Timestamp',
      m.timestamp,
      'TopicArn',
      m.topicArn,
      'Type',
      'Notification',
      '',
    ].join('\n');
    return {
      Records: [
        {
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          EventSubscriptionArn: sub.SubscriptionArn,
          Sns: {
            Type: 'Notification',
            MessageId: m.messageId,
            TopicArn: m.topicArn,
            Subject: m.subject,
            Message: m.message,
            Timestamp: m.timestamp,
            SignatureVersion: '1',
            Signature: createHmac('sha256', SIGNING_KEY).update(canonical).digest('base64'),
            SigningCertUrl: `https://${host}/SimpleNotificationService-0000000000000000000000000000000.pem`,
            UnsubscribeUrl: `https://${host}/?Action=Unsubscribe&SubscriptionArn=${sub.SubscriptionArn}`,
            MessageAttributes: attributes,
          },
        },
      ],
    };
  }

  private topic(arn: string, notFoundCode = 'NotFound'): Topic {
    this.parseTopicArn(arn);
    const topic = this.topics.get(arn);
    if (!topic) {
      if (notFoundCode === 'NotFound') throw topicNotFound();
      throw new AwsError(notFoundCode, 'Resource does not exist', 404);
    }
    return topic;
  }

  private parseTopicArn(arn: string): void {
    const m = TOPIC_ARN_RE.exec(arn);
    if (!m) throw invalid('TopicArn');
    if (m[1] !== this.opts.region || m[2] !== this.opts.accountId) {
      throw invalid(
        'TopicArn',
        `the topic is not in region ${this.opts.region} of account ${this.opts.accountId}`,
      );
    }
  }

  private findSubscription(arn: string): { topic: Topic; sub: Subscription } {
    const cut = arn.lastIndexOf(':');
    if (cut < 0 || !TOPIC_ARN_RE.test(arn.slice(0, cut))) throw invalid('SubscriptionArn');
    const topic = this.topics.get(arn.slice(0, cut));
    const sub = topic?.subscriptions.get(arn);
    if (!topic || !sub) throw new AwsError('NotFound', 'Subscription does not exist', 404);
    return { topic, sub };
  }

  private subscriptionPage(
    subs: Subscription[],
    nextToken?: string,
  ): { Subscriptions: Subscription[]; NextToken?: string } {
    const byArn = new Map(subs.map((s) => [s.SubscriptionArn, s]));
    const { items, next } = page([...byArn.keys()], nextToken);
    return {
      Subscriptions: items.map((a) => ({ ...byArn.get(a)! })),
      ...(next ? { NextToken: next } : {}),
    };
  }
}

/** Pages of 100 in ARN order; the token is the last ARN returned, so deletions never skip items. */
function page(arns: string[], token?: string): { items: string[]; next?: string } {
  let after = '';
  if (token) {
    after = Buffer.from(token, 'base64url').toString('utf8');
    if (!after.startsWith('arn:')) throw invalid('NextToken');
  }
  const rest = arns.sort().filter((a) => a > after);
  const items = rest.slice(0, PAGE_SIZE);
  return rest.length > items.length
    ? { items, next: Buffer.from(items[items.length - 1]!).toString('base64url') }
    : { items };
}

function defaultPolicy(topicArn: string, accountId: string): unknown {
  return {
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [
      {
        Sid: '__default_statement_ID',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: [
          'SNS:GetTopicAttributes',
          'SNS:SetTopicAttributes',
          'SNS:AddPermission',
          'SNS:RemovePermission',
          'SNS:DeleteTopic',
          'SNS:Subscribe',
          'SNS:ListSubscriptionsByTopic',
          'SNS:Publish',
        ],
        Resource: topicArn,
        Condition: { StringEquals: { 'AWS:SourceOwner': accountId } },
      },
    ],
  };
}

const DEFAULT_DELIVERY_POLICY = {
  http: {
    defaultHealthyRetryPolicy: {
      minDelayTarget: 20,
      maxDelayTarget: 20,
      numRetries: 3,
      numMaxDelayRetries: 0,
      numNoDelayRetries: 0,
      numMinDelayRetries: 0,
      backoffFunction: 'linear',
    },
    disableSubscriptionOverrides: false,
    defaultRequestPolicy: { headerContentType: 'text/plain; charset=UTF-8' },
  },
};
