import type { z } from 'zod';
import { AwsError } from '../protocol/errors.js';
import { decodeQuery, queryErrorResponse, queryParams } from '../protocol/query.js';
import type { AwsRequest, AwsResponse, ServiceEndpoint } from '../protocol/types.js';
import type { SnsModel, Subscription } from './model.js';
import { parseSnsRequest, schemas } from './schemas.js';
import { entryMap, memberList, queryXmlResponse, type XmlValue } from './xml.js';

export const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const SNS_VERSION = '2010-03-31';

const subscriptionXml = (s: Subscription): XmlValue => ({
  SubscriptionArn: s.SubscriptionArn,
  Owner: s.Owner,
  Protocol: s.Protocol,
  Endpoint: s.Endpoint,
  TopicArn: s.TopicArn,
});

const subscriptionPageXml = (out: { Subscriptions: Subscription[]; NextToken?: string }) => ({
  Subscriptions: memberList(out.Subscriptions.map(subscriptionXml)),
  NextToken: out.NextToken,
});

type Schemas = typeof schemas;
type Handlers = {
  [K in keyof Schemas]: (
    model: SnsModel,
    input: z.output<Schemas[K]>,
  ) => Promise<Record<string, XmlValue> | undefined>;
};

const ACTIONS: Handlers = {
  async CreateTopic(model, i) {
    return model.createTopic(i.Name, i.Attributes, i.Tags);
  },
  async DeleteTopic(model, i) {
    model.deleteTopic(i.TopicArn);
    return undefined;
  },
  async ListTopics(model, i) {
    const out = model.listTopics(i.NextToken);
    return { Topics: memberList(out.Topics), NextToken: out.NextToken };
  },
  async GetTopicAttributes(model, i) {
    return { Attributes: entryMap(model.getTopicAttributes(i.TopicArn)) };
  },
  async SetTopicAttributes(model, i) {
    model.setTopicAttributes(i.TopicArn, i.AttributeName, i.AttributeValue);
    return undefined;
  },
  async Subscribe(model, i) {
    return model.subscribe(i.TopicArn, i.Protocol, i.Endpoint);
  },
  async Unsubscribe(model, i) {
    model.unsubscribe(i.SubscriptionArn);
    return undefined;
  },
  async GetSubscriptionAttributes(model, i) {
    return { Attributes: entryMap(model.getSubscriptionAttributes(i.SubscriptionArn)) };
  },
  async ListSubscriptions(model, i) {
    return subscriptionPageXml(model.listSubscriptions(i.NextToken));
  },
  async ListSubscriptionsByTopic(model, i) {
    return subscriptionPageXml(model.listSubscriptionsByTopic(i.TopicArn, i.NextToken));
  },
  async Publish(model, i) {
    const { messageId } = await model.publish(i);
    return { MessageId: messageId };
  },
  async ListTagsForResource(model, i) {
    return { Tags: memberList(model.listTagsForResource(i.ResourceArn)) };
  },
  async TagResource(model, i) {
    model.tagResource(i.ResourceArn, i.Tags);
    return {};
  },
  async UntagResource(model, i) {
    model.untagResource(i.ResourceArn, i.TagKeys);
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
      if (!Object.hasOwn(ACTIONS, action)) {
        throw new AwsError(
          'InvalidAction',
          `The action ${action} is not valid for this web service (the embedded SNS emulator)`,
        );
      }
      const op = action as keyof Schemas;
      const decoded = decodeQuery(params);
      // Keys like `member.1=x` at the top decode to a list, which names no parameter at all.
      const input = parseSnsRequest(schemas[op], Array.isArray(decoded) ? {} : decoded);
      const handler = ACTIONS[op] as (m: SnsModel, i: unknown) => ReturnType<Handlers[typeof op]>;
      const result = await handler(this.resolve(req.region), input);
      return queryXmlResponse(action, result, req.requestId, SNS_XMLNS);
    } catch (err) {
      return queryErrorResponse(err, req.requestId, SNS_XMLNS);
    }
  }
}
