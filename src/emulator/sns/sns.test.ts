import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  PublishCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
  TagResourceCommand,
  UnsubscribeCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sns';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clientConfig } from '../../aws/clients.js';
import { ManualClock } from '../clock.js';
import { LambdaModel } from '../lambda/model.js';
import { LambdaEndpoint } from '../lambda/protocol.js';
import { buildZip, RECORDER_JS, THROWER_JS } from '../lambda/test-support.js';
import { EdgeServer } from '../server.js';
import { SnsModel } from './model.js';
import { SnsEndpoint } from './protocol.js';

const ACCOUNT = '000000000000';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/lambda-role`;
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;

describe('SNS emulator through @aws-sdk/client-sns', () => {
  let clock: ManualClock;
  let lambda: LambdaModel;
  let sns: SnsModel;
  let server: EdgeServer;
  let url: string;
  let client: SNSClient;
  let lambdaClient: LambdaClient;
  let tmp: string;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sns-test-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 30, 15, 123));
    lambda = new LambdaModel({ clock, region: 'us-east-1', accountId: ACCOUNT, onLog: () => {} });
    sns = new SnsModel({ clock, region: 'us-east-1', accountId: ACCOUNT, lambda: () => lambda });
    server = new EdgeServer({
      endpoints: [new SnsEndpoint(() => sns), new LambdaEndpoint(() => lambda)],
      defaultRegion: 'us-east-1',
      accountId: ACCOUNT,
    });
    ({ url } = await server.listen(0));
    client = new SNSClient(clientConfig({ endpoint: url, region: 'us-east-1' }, {}));
    lambdaClient = new LambdaClient(clientConfig({ endpoint: url, region: 'us-east-1' }, {}));
  });

  afterEach(async () => {
    client.destroy();
    lambdaClient.destroy();
    await server.close();
    await lambda.dispose();
  });

  async function createFunction(name: string, code: string, vars: Record<string, string> = {}) {
    await lambdaClient.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: { ZipFile: await buildZip({ 'index.js': code }) },
        Environment: { Variables: vars },
      }),
    );
  }

  it('delivers a published message to a subscribed Lambda as the SNS event', async () => {
    const record = path.join(tmp, 'sns-event.jsonl');
    await createFunction('scaler', RECORDER_JS, { RECORD_FILE: record });
    const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'alarms' }));
    expect(TopicArn).toBe(`arn:aws:sns:us-east-1:${ACCOUNT}:alarms`);
    const { SubscriptionArn } = await client.send(
      new SubscribeCommand({ TopicArn, Protocol: 'lambda', Endpoint: fnArn('scaler') }),
    );
    expect(SubscriptionArn).toMatch(new RegExp(`^${TopicArn}:[0-9a-f-]{36}$`));

    const message = JSON.stringify({ AlarmName: 'up', NewStateValue: 'ALARM' });
    const { MessageId } = await client.send(
      new PublishCommand({
        TopicArn,
        Subject: 'ALARM: "up" in US East (N. Virginia)',
        Message: message,
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'scale' } },
      }),
    );
    expect(MessageId).toMatch(/^[0-9a-f-]{36}$/);
    await clock.settle();

    const lines = fs.readFileSync(record, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const { event } = JSON.parse(lines[0]!);
    expect(Object.keys(event.Records[0])).toEqual([
      'EventSource',
      'EventVersion',
      'EventSubscriptionArn',
      'Sns',
    ]);
    expect(Object.keys(event.Records[0].Sns)).toEqual([
      'Type',
      'MessageId',
      'TopicArn',
      'Subject',
      'Message',
      'Timestamp',
      'SignatureVersion',
      'Signature',
      'SigningCertUrl',
      'UnsubscribeUrl',
      'MessageAttributes',
    ]);
    expect(event).toEqual({
      Records: [
        {
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          EventSubscriptionArn: SubscriptionArn,
          Sns: {
            Type: 'Notification',
            MessageId,
            TopicArn,
            Subject: 'ALARM: "up" in US East (N. Virginia)',
            Message: message,
            Timestamp: '2026-01-01T12:30:15.123Z',
            SignatureVersion: '1',
            Signature: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
            SigningCertUrl: expect.stringMatching(
              /^https:\/\/sns\.us-east-1\.amazonaws\.com\/SimpleNotificationService-[0-9a-f]+\.pem$/,
            ),
            UnsubscribeUrl: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${SubscriptionArn}`,
            MessageAttributes: { kind: { Type: 'String', Value: 'scale' } },
          },
        },
      ],
    });
    expect(sns.deliveries()).toEqual([
      expect.objectContaining({
        messageId: MessageId,
        subscriptionArn: SubscriptionArn,
        status: 'delivered',
      }),
    ]);
  });

  it('sends Subject null and empty MessageAttributes when the publisher gives none', async () => {
    const record = path.join(tmp, 'plain.jsonl');
    await createFunction('plain', RECORDER_JS, { RECORD_FILE: record });
    const { TopicArn } = sns.createTopic('plain');
    sns.subscribe(TopicArn, 'lambda', fnArn('plain'));
    // The NotificationPublisher seam, as CloudWatch alarm actions use it.
    await sns.publish({ topicArn: TopicArn, message: 'hello' });
    await clock.settle();
    const { event } = JSON.parse(fs.readFileSync(record, 'utf8').trim());
    expect(event.Records[0].Sns).toMatchObject({
      Subject: null,
      Message: 'hello',
      MessageAttributes: {},
    });
  });

  it('delivers every message attribute, whatever its name', async () => {
    const record = path.join(tmp, 'proto.jsonl');
    await createFunction('proto', RECORDER_JS, { RECORD_FILE: record });
    const { TopicArn } = sns.createTopic('proto');
    sns.subscribe(TopicArn, 'lambda', fnArn('proto'));
    await client.send(
      new PublishCommand({
        TopicArn,
        Message: 'm',
        MessageAttributes: { ['__proto__']: { DataType: 'String', StringValue: 'kept' } },
      }),
    );
    await clock.settle();
    const { event } = JSON.parse(fs.readFileSync(record, 'utf8').trim());
    expect(event.Records[0].Sns.MessageAttributes).toEqual(
      JSON.parse('{"__proto__":{"Type":"String","Value":"kept"}}'),
    );
  });

  it('leaves a failing subscriber to Lambda async retries on the clock', async () => {
    await createFunction('broken', THROWER_JS);
    const { TopicArn } = sns.createTopic('t');
    sns.subscribe(TopicArn, 'lambda', fnArn('broken'));
    await sns.publish({ topicArn: TopicArn, message: 'x' });
    await clock.advance(10 * 60_000);
    expect(lambda.stats('broken')).toMatchObject({ invocations: 3, errors: 3, retries: 2 });
    expect(sns.deliveries()[0]?.status).toBe('delivered');
  });

  it('records a delivery to a missing function as failed', async () => {
    const { TopicArn } = sns.createTopic('t');
    sns.subscribe(TopicArn, 'lambda', fnArn('missing'));
    await sns.publish({ topicArn: TopicArn, message: 'x' });
    await clock.settle();
    expect(sns.deliveries()[0]).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('Function not found'),
    });
  });

  it('makes CreateTopic idempotent and serves attributes, lists and tags', async () => {
    const a = await client.send(
      new CreateTopicCommand({
        Name: 'scale',
        Attributes: { DisplayName: 'Scaling' },
        Tags: [{ Key: 'team', Value: 'data' }],
      }),
    );
    const b = await client.send(new CreateTopicCommand({ Name: 'scale' }));
    expect(b.TopicArn).toBe(a.TopicArn);
    await expect(
      client.send(new CreateTopicCommand({ Name: 'scale', Attributes: { DisplayName: 'Other' } })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });

    const sub1 = await client.send(
      new SubscribeCommand({ TopicArn: a.TopicArn, Protocol: 'lambda', Endpoint: fnArn('f') }),
    );
    const sub2 = await client.send(
      new SubscribeCommand({ TopicArn: a.TopicArn, Protocol: 'lambda', Endpoint: fnArn('f') }),
    );
    expect(sub2.SubscriptionArn).toBe(sub1.SubscriptionArn);

    await client.send(
      new SetTopicAttributesCommand({
        TopicArn: a.TopicArn,
        AttributeName: 'DisplayName',
        AttributeValue: 'Scaling <&> "events"',
      }),
    );
    const attrs = await client.send(new GetTopicAttributesCommand({ TopicArn: a.TopicArn }));
    expect(attrs.Attributes).toMatchObject({
      TopicArn: a.TopicArn,
      Owner: ACCOUNT,
      DisplayName: 'Scaling <&> "events"',
      SubscriptionsConfirmed: '1',
      SubscriptionsPending: '0',
      SubscriptionsDeleted: '0',
    });
    expect(JSON.parse(attrs.Attributes!.Policy!).Statement[0].Resource).toBe(a.TopicArn);
    expect(JSON.parse(attrs.Attributes!.EffectiveDeliveryPolicy!)).toHaveProperty('http');

    const subAttrs = await client.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: sub1.SubscriptionArn }),
    );
    expect(subAttrs.Attributes).toMatchObject({ Protocol: 'lambda', Endpoint: fnArn('f') });

    const tags = await client.send(new ListTagsForResourceCommand({ ResourceArn: a.TopicArn }));
    expect(tags.Tags).toEqual([{ Key: 'team', Value: 'data' }]);

    const subs = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: a.TopicArn }));
    expect(subs.Subscriptions).toEqual([
      {
        SubscriptionArn: sub1.SubscriptionArn,
        Owner: ACCOUNT,
        Protocol: 'lambda',
        Endpoint: fnArn('f'),
        TopicArn: a.TopicArn,
      },
    ]);
    await client.send(new UnsubscribeCommand({ SubscriptionArn: sub1.SubscriptionArn }));
    expect((await client.send(new ListSubscriptionsCommand({}))).Subscriptions).toEqual([]);

    await client.send(new DeleteTopicCommand({ TopicArn: a.TopicArn }));
    expect((await client.send(new ListTopicsCommand({}))).Topics).toEqual([]);
  });

  it('pages ListTopics by 100', async () => {
    for (let i = 0; i < 205; i++) sns.createTopic(`t${String(i).padStart(3, '0')}`);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await client.send(new ListTopicsCommand({ NextToken: token }));
      seen.push(...(out.Topics ?? []).map((t) => t.TopicArn!));
      token = out.NextToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(205);
  });

  it('refuses protocols other than lambda and unknown topics', async () => {
    const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 't' }));
    for (const protocol of ['sqs', 'email', 'https']) {
      await expect(
        client.send(new SubscribeCommand({ TopicArn, Protocol: protocol, Endpoint: 'x' })),
      ).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: expect.stringMatching(new RegExp(`delivers to Lambda only.*${protocol}`)),
      });
    }
    const missing = `arn:aws:sns:us-east-1:${ACCOUNT}:nope`;
    await expect(
      client.send(new PublishCommand({ TopicArn: missing, Message: 'x' })),
    ).rejects.toMatchObject({ name: 'NotFoundException', message: 'Topic does not exist' });
    await expect(
      client.send(new GetTopicAttributesCommand({ TopicArn: missing })),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
  });

  it('validates Publish', async () => {
    const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 't' }));
    const fail = (input: Record<string, unknown>) =>
      client.send(new PublishCommand({ TopicArn, Message: 'm', ...input })).then(
        () => undefined,
        (e: Error) => e.name + ': ' + e.message,
      );
    expect(await fail({ Message: 'x'.repeat(256 * 1024 + 1) })).toMatch(
      /InvalidParameterException.*too long/,
    );
    expect(await fail({ Message: 'x'.repeat(256 * 1024) })).toBeUndefined();
    expect(await fail({ Subject: 'line\nbreak' })).toMatch(
      /InvalidParameterException: Invalid parameter: Subject/,
    );
    expect(await fail({ Subject: 'x'.repeat(101) })).toMatch(/Subject/);
    expect(await fail({ Subject: ' leading space' })).toMatch(/Subject/);
    expect(
      await fail({ MessageAttributes: { n: { DataType: 'Number', StringValue: 'abc' } } }),
    ).toMatch(/InvalidParameterException/);
    expect(await fail({ TopicArn: undefined })).toMatch(/InvalidParameterException/);
  });

  it('fails each request rule with the code and wording SNS uses', async () => {
    const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 't' }));
    // Commands of different operations share no type the client's `send` accepts.
    const fails = (command: object) =>
      client.send(command as never).then(
        () => 'accepted',
        (e: Error) => `${e.name}: ${e.message}`,
      );
    const publish = (input: Record<string, unknown>) =>
      new PublishCommand({ TopicArn, Message: 'm', ...input });
    const string = (StringValue: string, DataType = 'String') => ({ DataType, StringValue });
    const cases: [object, string][] = [
      [
        new CreateTopicCommand({ Name: 'a.fifo' }),
        'InvalidParameterException: Invalid parameter: Topic Name Reason: FIFO topics deliver to SQS only, and the embedded emulator delivers to Lambda only',
      ],
      [
        new CreateTopicCommand({ Name: 'a', Attributes: { FifoTopic: 'true' } }),
        'InvalidParameterException: Invalid parameter: Topic Name Reason: FIFO topics deliver to SQS only, and the embedded emulator delivers to Lambda only',
      ],
      [
        new CreateTopicCommand({ Name: 'a b' }),
        'InvalidParameterException: Invalid parameter: Topic Name Reason: must be 1-256 letters, digits, hyphens or underscores',
      ],
      [
        new CreateTopicCommand({ Name: 'a', Attributes: { Colour: 'red' } }),
        'InvalidParameterException: Invalid parameter: AttributeName',
      ],
      [
        new CreateTopicCommand({ Name: 'a', Attributes: { DisplayName: 'x'.repeat(101) } }),
        'InvalidParameterException: Invalid parameter: DisplayName Reason: must be at most 100 characters',
      ],
      [
        new CreateTopicCommand({ Name: 'a', Attributes: { SignatureVersion: '3' } }),
        'InvalidParameterException: Invalid parameter: SignatureVersion Reason: must be 1 or 2',
      ],
      [
        new CreateTopicCommand({ Name: 'a', Attributes: { Policy: '{' } }),
        'InvalidParameterException: Invalid parameter: Policy Reason: failed to parse JSON',
      ],
      [
        new CreateTopicCommand({ Name: 'a', Tags: [{ Key: 'k'.repeat(129), Value: 'v' }] }),
        'InvalidParameterException: Invalid parameter: Tags Reason: tag keys must be 1-128 characters',
      ],
      [
        new CreateTopicCommand({
          Name: 'a',
          Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
        }),
        'InvalidParameterException: Invalid parameter: Tags Reason: a topic has at most 50 tags',
      ],
      [
        new TagResourceCommand({
          ResourceArn: TopicArn,
          Tags: [{ Key: 'k', Value: 'v'.repeat(257) }],
        }),
        'InvalidParameterException: Invalid parameter: Tags Reason: tag values must be at most 256 characters',
      ],
      [
        new UntagResourceCommand({ ResourceArn: TopicArn, TagKeys: [] }),
        'MissingParameter: The request must contain the parameter TagKeys',
      ],
      [
        new SetTopicAttributesCommand({
          TopicArn,
          AttributeName: 'FifoTopic',
          AttributeValue: 'true',
        }),
        'InvalidParameterException: Invalid parameter: AttributeName Reason: FifoTopic can only be set at creation',
      ],
      [
        new SetTopicAttributesCommand({
          TopicArn,
          AttributeName: 'DeliveryPolicy',
          AttributeValue: 'x',
        }),
        'InvalidParameterException: Invalid parameter: DeliveryPolicy Reason: failed to parse JSON',
      ],
      [
        new SubscribeCommand({
          TopicArn,
          Protocol: 'lambda',
          Endpoint: 'arn:aws:sqs:us-east-1:1:q',
        }),
        'InvalidParameterException: Invalid parameter: Lambda endpoint ARN',
      ],
      [
        new SubscribeCommand({
          TopicArn,
          Protocol: 'lambda',
          Endpoint: fnArn('f'),
          Attributes: { RawMessageDelivery: 'true' },
        }),
        'InvalidParameterException: Invalid parameter: Attributes Reason: RawMessageDelivery is not valid for the lambda protocol',
      ],
      [
        new SubscribeCommand({
          TopicArn,
          Protocol: 'lambda',
          Endpoint: fnArn('f'),
          Attributes: { FilterPolicy: '{}' },
        }),
        'InvalidParameterException: Invalid parameter: Attributes Reason: subscription attribute FilterPolicy is not supported by the embedded emulator',
      ],
      [
        publish({ TopicArn: undefined }),
        'InvalidParameterException: Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
      ],
      [
        publish({ TargetArn: TopicArn }),
        'InvalidParameterException: Invalid parameter: TopicArn Reason: Only one of TopicArn, TargetArn or PhoneNumber can be specified',
      ],
      [
        publish({ TopicArn: undefined, PhoneNumber: '+15555550100' }),
        'InvalidParameterException: Invalid parameter: PhoneNumber Reason: the embedded emulator delivers to Lambda only, not SMS',
      ],
      [
        publish({ Message: '' }),
        'InvalidParameterException: Invalid parameter: Message Reason: Empty message',
      ],
      [
        publish({
          MessageAttributes: Object.fromEntries(
            Array.from({ length: 11 }, (_, i) => [`a${i}`, string('v')]),
          ),
        }),
        'InvalidParameterException: Invalid parameter: MessageAttributes Reason: at most 10 attributes are allowed',
      ],
      [
        publish({ MessageAttributes: { 'aws.x': string('v') } }),
        'InvalidParameterException: Invalid parameter: MessageAttributes Reason: invalid attribute name aws.x',
      ],
      [
        publish({ MessageAttributes: { a: string('v', 'Text') } }),
        "InvalidParameterException: Invalid parameter: MessageAttributes Reason: The message attribute 'a' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
      ],
      [
        publish({ MessageAttributes: { a: { DataType: 'Binary', StringValue: 'v' } } }),
        "InvalidParameterException: Invalid parameter: MessageAttributes Reason: The message attribute 'a' must contain non-empty message attribute value for message attribute type 'Binary'.",
      ],
      [
        publish({ MessageAttributes: { a: string('[1', 'String.Array') } }),
        "InvalidParameterException: Invalid parameter: MessageAttributes Reason: The message attribute 'a' is not a JSON array.",
      ],
      [
        publish({ MessageStructure: 'xml' }),
        'InvalidParameterException: Invalid parameter: MessageStructure',
      ],
      [
        publish({ MessageStructure: 'json' }),
        'InvalidParameterException: Invalid parameter: Message Reason: Failed to parse JSON',
      ],
      [
        publish({ MessageStructure: 'json', Message: '{"lambda":"l"}' }),
        'InvalidParameterException: Invalid parameter: Message Reason: Message Structure - No default entry in JSON message body',
      ],
      [
        publish({ MessageStructure: 'json', Message: '{"default":"d","lambda":1}' }),
        'InvalidParameterException: Invalid parameter: Message Reason: Message Structure - lambda entry must be a string',
      ],
      [publish({ MessageStructure: 'json', Message: '{"default":"d"}' }), 'accepted'],
    ];
    for (const [command, expected] of cases) expect(await fails(command)).toBe(expected);
  });

  it('checks a request before looking up its topic, as AWS validates before it resolves', async () => {
    const missing = `arn:aws:sns:us-east-1:${ACCOUNT}:nope`;
    await expect(
      client.send(new PublishCommand({ TopicArn: missing, Message: '' })),
    ).rejects.toMatchObject({ message: 'Invalid parameter: Message Reason: Empty message' });
    await expect(
      client.send(new SubscribeCommand({ TopicArn: missing, Protocol: 'sqs', Endpoint: 'x' })),
    ).rejects.toMatchObject({ message: expect.stringContaining('protocol sqs is not supported') });
  });

  it('checks messages other services publish through the model as it checks the wire', async () => {
    const { TopicArn } = sns.createTopic('internal');
    await expect(sns.publish({ topicArn: TopicArn, message: '' })).rejects.toMatchObject({
      code: 'InvalidParameter',
      message: 'Invalid parameter: Message Reason: Empty message',
    });
    await expect(
      sns.publish({ topicArn: TopicArn, subject: 'ALARM: "größe"', message: 'm' }),
    ).rejects.toMatchObject({ code: 'InvalidParameter', message: 'Invalid parameter: Subject' });
    await expect(
      sns.publish({ topicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:nope`, message: 'm' }),
    ).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('answers a malformed Query body with ErrorResponse XML and keeps serving', async () => {
    const post = (body: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          `${url}/`,
          { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks).toString('utf8'),
              }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });

    const garbage = await post('Version=2010-03-31&%%%&Name.member.x=1&&=');
    expect(garbage.status).toBe(400);
    expect(garbage.body).toMatch(
      /<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>MissingAction<\/Code>/,
    );

    const unknown = await post('Action=Explode&Version=2010-03-31');
    expect(unknown.body).toContain('<Code>InvalidAction</Code>');

    const missing = await post('Action=CreateTopic&Version=2010-03-31');
    expect(missing.body).toContain('<Code>MissingParameter</Code>');

    // A list at the top (`member.1=...`) names no parameter: the required one is missing.
    const topLevelList = await post('Action=DeleteTopic&Version=2010-03-31&member.1=x');
    expect(topLevelList.body).toContain(
      '<Code>MissingParameter</Code><Message>The request must contain the parameter TopicArn',
    );

    // A value and then fields at the same list index: the fields win, as for plain keys.
    const valueThenFields = await post(
      'Action=CreateTopic&Version=2010-03-31&Name=t&Attributes.entry.1=flat&Attributes.entry.1.key=k',
    );
    expect(valueThenFields.status).toBe(400);
    expect(valueThenFields.body).toContain(
      '<Code>InvalidParameter</Code><Message>Invalid parameter: AttributeName</Message>',
    );

    const wrongShape = await post(
      'Action=CreateTopic&Version=2010-03-31&Name=t&Attributes.entry.1=flat&Attributes=x',
    );
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.body).toContain('<Code>InvalidParameter</Code>');

    const ok = await client.send(new CreateTopicCommand({ Name: 'still-here' }));
    expect(ok.TopicArn).toContain('still-here');
  });
});
