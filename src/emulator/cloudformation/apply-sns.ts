import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
  TagResourceCommand,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { TemplateError } from './template.js';
import { isObject, requiredString, optionalString, tagList } from './apply-props.js';
import type { ApplyCache, HandlerInput, Outcome } from './apply.js';

/** CloudFormation handlers for SNS topics and subscriptions. */
async function topicArns(sns: SNSClient, cache: ApplyCache): Promise<Set<string>> {
  if (!cache.topicArns) {
    const arns = new Set<string>();
    let NextToken: string | undefined;
    do {
      const page = await sns.send(new ListTopicsCommand(NextToken ? { NextToken } : {}));
      for (const t of page.Topics ?? []) if (t.TopicArn) arns.add(t.TopicArn);
      NextToken = page.NextToken;
    } while (NextToken);
    cache.topicArns = arns;
  }
  return cache.topicArns;
}

export async function applyTopic({
  logicalId,
  props,
  opts,
  ctx,
  cache,
}: HandlerInput): Promise<Outcome> {
  const sns = opts.clients.sns;
  const fifo = props.FifoTopic === true || props.FifoTopic === 'true';
  const name =
    optionalString(props.TopicName, logicalId, 'TopicName') ??
    `${ctx.stackName}-${logicalId}`.slice(0, fifo ? 251 : 256) + (fifo ? '.fifo' : '');
  const expectedArn = `arn:aws:sns:${ctx.region}:${ctx.accountId}:${name}`;
  const existing = (await topicArns(sns, cache)).has(expectedArn);
  const displayName = optionalString(props.DisplayName, logicalId, 'DisplayName');
  const tags = tagList(props.Tags, logicalId);

  let arn: string;
  if (!existing) {
    const attributes: Record<string, string> = {};
    if (displayName !== undefined) attributes.DisplayName = displayName;
    if (fifo) attributes.FifoTopic = 'true';
    if (props.ContentBasedDeduplication !== undefined) {
      attributes.ContentBasedDeduplication = String(props.ContentBasedDeduplication);
    }
    const out = await sns.send(
      new CreateTopicCommand({
        Name: name,
        ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
        ...(tags.length > 0 ? { Tags: tags } : {}),
      }),
    );
    arn = out.TopicArn ?? expectedArn;
    cache.topicArns?.add(arn);
  } else {
    // CreateTopic fails on an existing topic with different attributes, so update them instead.
    arn = expectedArn;
    if (displayName !== undefined) {
      await sns.send(
        new SetTopicAttributesCommand({
          TopicArn: arn,
          AttributeName: 'DisplayName',
          AttributeValue: displayName,
        }),
      );
    }
    if (tags.length > 0) await sns.send(new TagResourceCommand({ ResourceArn: arn, Tags: tags }));
  }

  // Topics that the Serverless Framework creates for `sns: <name>` events list their
  // subscriptions inline.
  const inline = props.Subscription;
  if (inline !== undefined) {
    if (!Array.isArray(inline)) {
      throw new TemplateError(`resource ${logicalId}: Subscription must be a list`);
    }
    for (const [i, s] of inline.entries()) {
      if (!isObject(s))
        throw new TemplateError(`resource ${logicalId}: Subscription[${i}] must be an object`);
      await ensureSubscription(sns, {
        topicArn: arn,
        protocol: requiredString(s.Protocol, logicalId, `Subscription[${i}].Protocol`),
        endpoint: requiredString(s.Endpoint, logicalId, `Subscription[${i}].Endpoint`),
        attributes: {},
      });
    }
  }
  return {
    physicalId: arn,
    ref: arn,
    attributes: { TopicArn: arn, TopicName: name },
    status: existing ? 'UPDATED' : 'CREATED',
    ...(existing ? { note: 'topic already existed; attributes updated' } : {}),
  };
}

async function ensureSubscription(
  sns: SNSClient,
  s: { topicArn: string; protocol: string; endpoint: string; attributes: Record<string, string> },
): Promise<{ arn: string; created: boolean }> {
  let NextToken: string | undefined;
  do {
    const page = await sns.send(
      new ListSubscriptionsByTopicCommand({
        TopicArn: s.topicArn,
        ...(NextToken ? { NextToken } : {}),
      }),
    );
    const match = page.Subscriptions?.find(
      (x) => x.Protocol === s.protocol && x.Endpoint === s.endpoint && x.SubscriptionArn,
    );
    if (match?.SubscriptionArn) return { arn: match.SubscriptionArn, created: false };
    NextToken = page.NextToken;
  } while (NextToken);
  const out = await sns.send(
    new SubscribeCommand({
      TopicArn: s.topicArn,
      Protocol: s.protocol,
      Endpoint: s.endpoint,
      ReturnSubscriptionArn: true,
      ...(Object.keys(s.attributes).length > 0 ? { Attributes: s.attributes } : {}),
    }),
  );
  if (!out.SubscriptionArn) throw new Error('Subscribe returned no SubscriptionArn');
  return { arn: out.SubscriptionArn, created: true };
}

export async function applySubscription({
  logicalId,
  props,
  opts,
}: HandlerInput): Promise<Outcome> {
  const attributes: Record<string, string> = {};
  for (const key of ['FilterPolicy', 'RedrivePolicy', 'DeliveryPolicy'] as const) {
    const v = props[key];
    if (v !== undefined && v !== null) {
      attributes[key] = typeof v === 'string' ? v : JSON.stringify(v);
    }
  }
  for (const key of ['FilterPolicyScope', 'RawMessageDelivery'] as const) {
    const v = props[key];
    if (v !== undefined && v !== null) attributes[key] = String(v);
  }
  const { arn, created } = await ensureSubscription(opts.clients.sns, {
    topicArn: requiredString(props.TopicArn, logicalId, 'TopicArn'),
    protocol: requiredString(props.Protocol, logicalId, 'Protocol'),
    endpoint: requiredString(props.Endpoint, logicalId, 'Endpoint'),
    attributes,
  });
  return {
    physicalId: arn,
    ref: arn,
    attributes: {},
    status: created ? 'CREATED' : 'UPDATED',
    ...(created ? {} : { note: 'subscription already existed; kept' }),
  };
}
