import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientConfig } from '../../aws/clients.js';
import { ManualClock } from '../clock.js';
import { EdgeServer } from '../server.js';
import { SqsModel } from './model.js';
import { SqsJsonEndpoint, SqsQueryEndpoint } from './protocol.js';

describe('SQS emulator through @aws-sdk/client-sqs', () => {
  let clock: ManualClock;
  let model: SqsModel;
  let server: EdgeServer;
  let client: SQSClient;
  let url = '';

  beforeEach(async () => {
    clock = new ManualClock();
    model = new SqsModel({
      clock,
      region: 'us-east-1',
      accountId: '000000000000',
      baseUrl: () => url,
    });
    server = new EdgeServer({
      endpoints: [new SqsJsonEndpoint(() => model), new SqsQueryEndpoint(() => model)],
      defaultRegion: 'us-east-1',
      accountId: '000000000000',
    });
    url = (await server.listen(0)).url;
    client = new SQSClient(clientConfig({ endpoint: url, region: 'us-east-1' }, {}));
  });

  afterEach(async () => {
    client.destroy();
    await server.close();
  });

  it('creates a queue, sends, receives with visibility on the clock, deletes', async () => {
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({ QueueName: 'dlq', Attributes: { VisibilityTimeout: '60' } }),
    );
    expect(QueueUrl).toBe(`${url}/000000000000/dlq`);
    expect((await client.send(new GetQueueUrlCommand({ QueueName: 'dlq' }))).QueueUrl).toBe(
      QueueUrl,
    );
    const attrs = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['QueueArn', 'VisibilityTimeout'],
      }),
    );
    expect(attrs.Attributes).toEqual({
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:dlq',
      VisibilityTimeout: '60',
    });

    // The SDK checks MD5OfMessageBody and MD5OfMessageAttributes against what it sent.
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: '{"failed":true} ünïcode',
        MessageAttributes: {
          ErrorCode: { DataType: 'String', StringValue: '200' },
          Raw: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);

    const first = await client.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        MessageAttributeNames: ['All'],
      }),
    );
    expect(first.Messages).toHaveLength(1);
    const msg = first.Messages![0]!;
    expect(msg.Body).toBe('{"failed":true} ünïcode');
    expect(msg.Attributes).toEqual({
      ApproximateReceiveCount: '1',
      SentTimestamp: String(clock.now()),
    });
    expect(msg.MessageAttributes?.ErrorCode?.StringValue).toBe('200');
    expect(Buffer.from(msg.MessageAttributes!.Raw!.BinaryValue!)).toEqual(Buffer.from([1, 2, 3]));

    // Invisible for the queue's 60 s, then delivered again with a new receipt handle.
    expect((await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    const counts = await client.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
    );
    expect(counts.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '1',
    });
    await clock.advance(60_000);
    const again = await client.send(new ReceiveMessageCommand({ QueueUrl }));
    expect(again.Messages?.[0]?.ReceiptHandle).not.toBe(msg.ReceiptHandle);
    await client.send(
      new DeleteMessageCommand({ QueueUrl, ReceiptHandle: again.Messages![0]!.ReceiptHandle! }),
    );
    await clock.advance(120_000);
    expect((await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
  });

  it('lists, purges and deletes queues, with the errors SQS returns', async () => {
    const a = (await client.send(new CreateQueueCommand({ QueueName: 'alpha' }))).QueueUrl!;
    await client.send(new CreateQueueCommand({ QueueName: 'beta' }));
    // Same name and same attributes is idempotent; different attributes is refused.
    expect((await client.send(new CreateQueueCommand({ QueueName: 'alpha' }))).QueueUrl).toBe(a);
    await expect(
      client.send(
        new CreateQueueCommand({ QueueName: 'alpha', Attributes: { DelaySeconds: '5' } }),
      ),
    ).rejects.toMatchObject({ name: 'QueueNameExists' });
    expect((await client.send(new ListQueuesCommand({}))).QueueUrls).toEqual([
      `${url}/000000000000/alpha`,
      `${url}/000000000000/beta`,
    ]);
    expect((await client.send(new ListQueuesCommand({ QueueNamePrefix: 'b' }))).QueueUrls).toEqual([
      `${url}/000000000000/beta`,
    ]);

    await client.send(new SendMessageCommand({ QueueUrl: a, MessageBody: 'x' }));
    await client.send(new PurgeQueueCommand({ QueueUrl: a }));
    await expect(client.send(new PurgeQueueCommand({ QueueUrl: a }))).rejects.toMatchObject({
      name: 'PurgeQueueInProgress',
    });
    expect(
      (await client.send(new ReceiveMessageCommand({ QueueUrl: a }))).Messages,
    ).toBeUndefined();

    await client.send(new DeleteQueueCommand({ QueueUrl: a }));
    const err = await client
      .send(new GetQueueUrlCommand({ QueueName: 'alpha' }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'QueueDoesNotExist' });
    await expect(
      client.send(new CreateQueueCommand({ QueueName: 'bad name' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(
      client.send(
        new CreateQueueCommand({ QueueName: 'q', Attributes: { VisibilityTimeout: '99999' } }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidAttributeValue' });
  });

  it('speaks the Query protocol that older CLIs use, with flattened XML lists', async () => {
    const post = async (path: string, form: Record<string, string>) => {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization:
            'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=x',
        },
        body: new URLSearchParams({ Version: '2012-11-05', ...form }).toString(),
      });
      return { status: res.status, text: await res.text() };
    };
    const created = await post('/', {
      Action: 'CreateQueue',
      QueueName: 'cli',
      'Attribute.1.Name': 'DelaySeconds',
      'Attribute.1.Value': '0',
    });
    expect(created.text).toContain(`<QueueUrl>${url}/000000000000/cli</QueueUrl>`);
    await post('/000000000000/cli', { Action: 'SendMessage', MessageBody: 'hello' });
    const received = await post('/000000000000/cli', {
      Action: 'ReceiveMessage',
      'AttributeName.1': 'All',
    });
    expect(received.text).toMatch(/<Message><MessageId>[^<]+<\/MessageId>/);
    expect(received.text).toContain('<Body>hello</Body>');
    expect(received.text).toContain(
      '<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>',
    );
    const attrs = await post('/', {
      Action: 'GetQueueAttributes',
      QueueUrl: `${url}/000000000000/cli`,
      'AttributeName.1': 'QueueArn',
    });
    expect(attrs.text).toContain(
      '<Attribute><Name>QueueArn</Name><Value>arn:aws:sqs:us-east-1:000000000000:cli</Value></Attribute>',
    );
    const missing = await post('/', { Action: 'GetQueueUrl', QueueName: 'nope' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('<Code>AWS.SimpleQueueService.NonExistentQueue</Code>');
  });
});
