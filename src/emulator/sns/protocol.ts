import { AwsError } from '../protocol/errors.js';
import {
  decodeQuery,
  queryErrorResponse,
  queryParams,
  requireParam,
  type QueryValue,
} from '../protocol/query.js';
import type { AwsRequest, AwsResponse, ServiceEndpoint } from '../protocol/types.js';
import type { MessageAttributeValue, SnsModel, Subscription } from './model.js';
import { entryMap, memberList, queryXmlResponse, type XmlValue } from './xml.js';

export const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const SNS_VERSION = '2010-03-31';

type Params = Record<string, QueryValue>;
type Handler = (model: SnsModel, p: Params) => Promise<Record<string, XmlValue> | undefined>;

const subscriptionXml = (s: Subscription): XmlValue => ({
  SubscriptionArn: s.SubscriptionArn,
  Owner: s.Owner,
  Protocol: s.Protocol,
  Endpoint: s.Endpoint,
  TopicArn: s.TopicArn,
});

const ACTIONS: Record<string, Handler> = {
  async CreateTopic(model, p) {
    const name = requireParam(p, 'Name');
    return model.createTopic(name, attributeMap(p, 'Attributes'), tagMap(p, 'Tags'));
  },
  async DeleteTopic(model, p) {
    model.deleteTopic(requireParam(p, 'TopicArn'));
    return undefined;
  },
  async ListTopics(model, p) {
    const out = model.listTopics(optional(p, 'NextToken'));
    return { Topics: memberList(out.Topics), NextToken: out.NextToken };
  },
  async GetTopicAttributes(model, p) {
    return { Attributes: entryMap(model.getTopicAttributes(requireParam(p, 'TopicArn'))) };
  },
  async SetTopicAttributes(model, p) {
    model.setTopicAttributes(
      requireParam(p, 'TopicArn'),
      requireParam(p, 'AttributeName'),
      optional(p, 'AttributeValue'),
    );
    return undefined;
  },
  async Subscribe(model, p) {
    return model.subscribe(
      requireParam(p, 'TopicArn'),
      requireParam(p, 'Protocol'),
      optional(p, 'Endpoint'),
      attributeMap(p, 'Attributes'),
    );
  },
  async Unsubscribe(model, p) {
    model.unsubscribe(requireParam(p, 'SubscriptionArn'));
    return undefined;
  },
  async GetSubscriptionAttributes(model, p) {
    return {
      Attributes: entryMap(model.getSubscriptionAttributes(requireParam(p, 'SubscriptionArn'))),
    };
  },
  async ListSubscriptions(model, p) {
    const out = model.listSubscriptions(optional(p, 'NextToken'));
    return {
      Subscriptions: memberList(out.Subscriptions.map(subscriptionXml)),
      NextToken: out.NextToken,
    };
  },
  async ListSubscriptionsByTopic(model, p) {
    const out = model.listSubscriptionsByTopic(
      requireParam(p, 'TopicArn'),
      optional(p, 'NextToken'),
    );
    return {
      Subscriptions: memberList(out.Subscriptions.map(subscriptionXml)),
      NextToken: out.NextToken,
    };
  },
  async Publish(model, p) {
    const { messageId } = await model.publish({
      topicArn: optional(p, 'TopicArn'),
      targetArn: optional(p, 'TargetArn'),
      phoneNumber: optional(p, 'PhoneNumber'),
      message: optional(p, 'Message') ?? '',
      subject: optional(p, 'Subject'),
      messageStructure: optional(p, 'MessageStructure'),
      messageAttributes: messageAttributes(p),
    });
    return { MessageId: messageId };
  },
  async ListTagsForResource(model, p) {
    return { Tags: memberList(model.listTagsForResource(requireParam(p, 'ResourceArn'))) };
  },
  async TagResource(model, p) {
    model.tagResource(requireParam(p, 'ResourceArn'), tagMap(p, 'Tags'));
    return {};
  },
  async UntagResource(model, p) {
    const keys = p.TagKeys;
    if (!Array.isArray(keys) || !keys.every((k): k is string => typeof k === 'string')) {
      throw new AwsError('MissingParameter', 'The request must contain the parameter TagKeys');
    }
    model.untagResource(requireParam(p, 'ResourceArn'), keys);
    return {};
  },
};

/** SNS's awsQuery API (form-encoded requests, XML responses), delivering to Lambda only. */
export class SnsEndpoint implements ServiceEndpoint {
  readonly name = 'sns';

  constructor(private readonly resolve: (region: string) => SnsModel) {}

  accepts(req: AwsRequest): boolean {
    const contentType = String(req.headers['content-type'] ?? '');
    if (!contentType.startsWith('application/x-www-form-urlencoded')) return false;
    if (req.signingService === 'sns') return true;
    return queryParams(req).get('Version') === SNS_VERSION;
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    try {
      const params = queryParams(req);
      const action = params.get('Action');
      if (!action) {
        throw new AwsError('MissingAction', 'The request must contain the parameter Action');
      }
      const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
      if (!handler) {
        throw new AwsError(
          'InvalidAction',
          `The action ${action} is not valid for this web service (the embedded SNS emulator)`,
        );
      }
      const result = await handler(this.resolve(req.region), decodeQuery(params));
      return queryXmlResponse(action, result, req.requestId, SNS_XMLNS);
    } catch (err) {
      return queryErrorResponse(err, req.requestId, SNS_XMLNS);
    }
  }
}

function optional(p: Params, name: string): string | undefined {
  const v = p[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new AwsError('InvalidParameter', `Invalid parameter: ${name}`);
  return v;
}

function listOf(p: Params, name: string): Params[] {
  const v = p[name];
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((e) => typeof e === 'object' && !Array.isArray(e))) {
    throw new AwsError('InvalidParameter', `Invalid parameter: ${name}`);
  }
  return v as Params[];
}

/** `Name.entry.N.key` / `Name.entry.N.value`. */
function attributeMap(p: Params, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of listOf(p, name)) {
    const key = entry.key;
    const value = entry.value ?? '';
    if (typeof key !== 'string' || typeof value !== 'string') {
      throw new AwsError('InvalidParameter', `Invalid parameter: ${name}`);
    }
    out[key] = value;
  }
  return out;
}

/** `Name.member.N.Key` / `Name.member.N.Value`. */
function tagMap(p: Params, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of listOf(p, name)) {
    const key = tag.Key;
    const value = tag.Value ?? '';
    if (typeof key !== 'string' || typeof value !== 'string') {
      throw new AwsError('InvalidParameter', `Invalid parameter: ${name}`);
    }
    out[key] = value;
  }
  return out;
}

/** `MessageAttributes.entry.N.Name` and `.Value.DataType/StringValue/BinaryValue`. */
function messageAttributes(p: Params): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const entry of listOf(p, 'MessageAttributes')) {
    const name = entry.Name;
    const value = entry.Value;
    if (typeof name !== 'string' || typeof value !== 'object' || Array.isArray(value)) {
      throw new AwsError('InvalidParameter', 'Invalid parameter: MessageAttributes');
    }
    const attr: MessageAttributeValue = { DataType: optional(value, 'DataType') ?? '' };
    const s = optional(value, 'StringValue');
    const b = optional(value, 'BinaryValue');
    if (s !== undefined) attr.StringValue = s;
    if (b !== undefined) attr.BinaryValue = b;
    out[name] = attr;
  }
  return out;
}
