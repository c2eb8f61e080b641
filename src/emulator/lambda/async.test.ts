import {
  CreateFunctionCommand,
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionEventInvokeConfigCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../aws/clients.js';
import { ManualClock } from '../clock.js';
import { Emulator } from '../emulator.js';
import { buildZip, ENV_READER_JS, THROWER_JS } from './test-support.js';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

describe('Lambda async invocation: retries, maximum event age, destinations', () => {
  let clock: ManualClock;
  let emulator: Emulator;
  let lambda: LambdaClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
    emulator = await Emulator.start({ port: 0, clock, onLambdaLog: () => undefined });
    const config = clientConfig({ endpoint: emulator.url, region: 'us-east-1' }, {});
    lambda = new LambdaClient(config);
    sqs = new SQSClient(config);
  });

  afterAll(async () => {
    lambda?.destroy();
    sqs?.destroy();
    await emulator?.stop();
  });

  async function createFunction(name: string, code: string, extra: Record<string, unknown> = {}) {
    return lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: { ZipFile: await buildZip({ 'index.js': code }) },
        ...extra,
      }),
    );
  }

  async function queue(name: string): Promise<{ url: string; arn: string }> {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    return { url, arn: attrs.Attributes!.QueueArn! };
  }

  async function receiveAll(url: string) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    );
    return out.Messages ?? [];
  }

  it('sends the record AWS sends to the on-failure queue once the retries are spent', async () => {
    const dlq = await queue('scale-up-failures');
    await createFunction('failing', THROWER_JS);
    const put = await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'failing',
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: dlq.arn } },
      }),
    );
    expect(put).toMatchObject({
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:failing:$LATEST',
      MaximumRetryAttempts: 1,
      DestinationConfig: { OnFailure: { Destination: dlq.arn }, OnSuccess: {} },
    });
    expect(put.LastModified).toEqual(new Date(clock.now()));

    const start = clock.now();
    await lambda.send(
      new InvokeCommand({
        FunctionName: 'failing',
        InvocationType: 'Event',
        Payload: Buffer.from('{"Records":[1]}'),
      }),
    );
    await clock.settle();
    expect(await receiveAll(dlq.url)).toEqual([]);
    await clock.advance(60_000);
    const [message, ...rest] = await receiveAll(dlq.url);
    expect(rest).toEqual([]);
    const record = JSON.parse(message!.Body!);
    expect(record).toEqual({
      version: '1.0',
      timestamp: new Date(start + 60_000).toISOString(),
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:failing:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 2,
      },
      requestPayload: { Records: [1] },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: {
        errorType: 'TypeError',
        errorMessage: 'boom',
        trace: expect.arrayContaining(['TypeError: boom']),
      },
    });
    // MaximumRetryAttempts 1: no third run.
    await clock.advance(600_000);
    const history = emulator.region().lambda.history('failing');
    expect(history.map((h) => h.at - start)).toEqual([0, 60_000]);
  });

  it('discards an event older than MaximumEventAgeInSeconds with EventAgeExceeded', async () => {
    const dlq = await queue('aged');
    await createFunction('aging', THROWER_JS, { DeadLetterConfig: { TargetArn: dlq.arn } });
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'aging',
        MaximumEventAgeInSeconds: 60,
      }),
    );
    // Update keeps what it does not name.
    const updated = await lambda.send(
      new UpdateFunctionEventInvokeConfigCommand({
        FunctionName: 'aging',
        DestinationConfig: { OnFailure: { Destination: dlq.arn } },
      }),
    );
    expect(updated.MaximumEventAgeInSeconds).toBe(60);
    await lambda.send(
      new InvokeCommand({ FunctionName: 'aging', InvocationType: 'Event', Payload: '{"n":1}' }),
    );
    // First retry at +60 s (age 60 s, allowed); the second would run at +180 s, past the age.
    await clock.advance(180_000);
    expect(emulator.region().lambda.history('aging')).toHaveLength(2);
    const messages = await receiveAll(dlq.url);
    expect(messages).toHaveLength(2);
    const record = messages.find((m) => m.Body!.startsWith('{"version"'))!;
    expect(JSON.parse(record.Body!).requestContext).toMatchObject({
      condition: 'EventAgeExceeded',
      approximateInvokeCount: 2,
    });
    // The dead-letter queue gets the event itself, with the error in message attributes.
    const dead = messages.find((m) => m.Body === '{"n":1}')!;
    expect(dead.MessageAttributes).toMatchObject({
      RequestID: { StringValue: JSON.parse(record.Body!).requestContext.requestId },
      ErrorCode: { StringValue: '200' },
      ErrorMessage: { StringValue: 'boom' },
    });
  });

  it('sends successes to the on-success destination, and manages the config', async () => {
    const ok = await queue('successes');
    await createFunction('fine', ENV_READER_JS, { Architectures: ['arm64'] });
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'fine',
        DestinationConfig: { OnSuccess: { Destination: ok.arn } },
      }),
    );
    await lambda.send(new InvokeCommand({ FunctionName: 'fine', InvocationType: 'Event' }));
    await clock.settle();
    const [message] = await receiveAll(ok.url);
    expect(JSON.parse(message!.Body!)).toMatchObject({
      requestContext: { condition: 'Success', approximateInvokeCount: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { name: 'fine', calls: 1 },
    });

    // #10: ListFunctions reports the architecture the function was created with.
    const listed = await lambda.send(new ListFunctionsCommand({}));
    expect(listed.Functions?.find((f) => f.FunctionName === 'fine')?.Architectures).toEqual([
      'arm64',
    ]);

    await expect(
      lambda.send(
        new PutFunctionEventInvokeConfigCommand({ FunctionName: 'fine', MaximumRetryAttempts: 3 }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("at 'maximumRetryAttempts'"),
    });
    await expect(
      lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: 'fine',
          DestinationConfig: { OnFailure: { Destination: 'not-an-arn' } },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'fine' }));
    await expect(
      lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'fine' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: expect.stringContaining("doesn't have an EventInvokeConfig"),
    });
  });
});
