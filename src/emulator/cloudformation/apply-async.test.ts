import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetFunctionEventInvokeConfigCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../aws/clients.js';
import { ManualClock } from '../clock.js';
import { Emulator } from '../emulator.js';
import { buildZip, THROWER_JS } from '../lambda/test-support.js';

const STACK = 'reconciler-local';

/** The deployment bucket `sls deploy` creates first; the code is uploaded to it before the update. */
const BUCKET = {
  ServerlessDeploymentBucket: {
    Type: 'AWS::S3::Bucket',
    Properties: {},
  },
};
const CREATE_TEMPLATE = { AWSTemplateFormatVersion: '2010-09-09', Resources: BUCKET };

/** The resources osls@3 emits for a function with `schedule`, `destinations.onFailure` and retries. */
const TEMPLATE = {
  AWSTemplateFormatVersion: '2010-09-09',
  Resources: {
    ...BUCKET,
    DeadLetterQueue: {
      Type: 'AWS::SQS::Queue',
      Properties: { QueueName: 'dlq-local', MessageRetentionPeriod: 1209600 },
    },
    AnonymousQueue: { Type: 'AWS::SQS::Queue', Properties: {} },
    ReconcileLambdaFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: {
          S3Bucket: { Ref: 'ServerlessDeploymentBucket' },
          S3Key: 'serverless/app/local/123/app.zip',
        },
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        FunctionName: 'app-local-reconcile',
        Architectures: ['arm64'],
        Role: 'arn:aws:iam::000000000000:role/app',
      },
    },
    ReconcileLambdaEvConf: {
      Type: 'AWS::Lambda::EventInvokeConfig',
      Properties: {
        FunctionName: { Ref: 'ReconcileLambdaFunction' },
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
        },
        Qualifier: '$LATEST',
        MaximumEventAgeInSeconds: 600,
        MaximumRetryAttempts: 0,
      },
    },
    ReconcileEventsRuleSchedule1: {
      Type: 'AWS::Events::Rule',
      Properties: {
        ScheduleExpression: 'rate(5 minutes)',
        State: 'ENABLED',
        Targets: [
          { Arn: { 'Fn::GetAtt': ['ReconcileLambdaFunction', 'Arn'] }, Id: 'reconcileSchedule' },
        ],
      },
    },
    ReconcileLambdaPermissionEventsRuleSchedule1: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: { 'Fn::GetAtt': ['ReconcileLambdaFunction', 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': ['ReconcileEventsRuleSchedule1', 'Arn'] },
      },
    },
  },
  Outputs: {
    QueueUrl: { Value: { Ref: 'DeadLetterQueue' } },
    QueueArn: { Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
    AnonymousQueueName: { Value: { 'Fn::GetAtt': ['AnonymousQueue', 'QueueName'] } },
    RuleName: { Value: { Ref: 'ReconcileEventsRuleSchedule1' } },
    RuleArn: { Value: { 'Fn::GetAtt': ['ReconcileEventsRuleSchedule1', 'Arn'] } },
  },
};

describe('CloudFormation: schedule rules, event invoke configs and SQS queues', () => {
  let dir: string;
  let clock: ManualClock;
  let emulator: Emulator;
  let config: ReturnType<typeof clientConfig>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cfn-async-'));
    writeFileSync(
      path.join(dir, 'cloudformation-template-create-stack.json'),
      JSON.stringify(CREATE_TEMPLATE),
    );
    writeFileSync(
      path.join(dir, 'cloudformation-template-update-stack.json'),
      JSON.stringify(TEMPLATE),
    );
    writeFileSync(path.join(dir, 'app.zip'), await buildZip({ 'index.js': THROWER_JS }));
    clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
    emulator = await Emulator.start({ port: 0, clock, onLambdaLog: () => undefined });
    config = clientConfig({ endpoint: emulator.url, region: 'us-east-1' }, {});
  });

  afterAll(async () => {
    await emulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploys them, and the schedule runs the function whose failures reach the queue', async () => {
    const stack = await emulator.deployPackage({ packageDir: dir, stackName: STACK });
    expect(stack.outputs.QueueUrl).toBe(`${emulator.url}/000000000000/dlq-local`);
    expect(stack.outputs.QueueArn).toBe('arn:aws:sqs:us-east-1:000000000000:dlq-local');
    expect(stack.outputs.AnonymousQueueName).toMatch(
      /^reconciler-local-AnonymousQueue-[0-9A-F]{12}$/,
    );
    expect(stack.outputs.RuleName).toMatch(
      /^reconciler-local-ReconcileEventsRuleSchedule1-[0-9A-F]{12}$/,
    );
    expect(stack.outputs.RuleArn).toBe(
      `arn:aws:events:us-east-1:000000000000:rule/${stack.outputs.RuleName}`,
    );
    expect(Object.fromEntries(stack.resources.map((r) => [r.logicalId, r.status]))).toMatchObject({
      DeadLetterQueue: 'CREATED',
      ReconcileEventsRuleSchedule1: 'CREATED',
      ReconcileLambdaEvConf: 'UPDATED',
      ReconcileLambdaPermissionEventsRuleSchedule1: 'NO_OP',
    });

    const lambda = new LambdaClient(config);
    const events = new EventBridgeClient(config);
    const sqs = new SQSClient(config);
    try {
      const evConf = await lambda.send(
        new GetFunctionEventInvokeConfigCommand({ FunctionName: 'app-local-reconcile' }),
      );
      expect(evConf).toMatchObject({
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 600,
        DestinationConfig: { OnFailure: { Destination: stack.outputs.QueueArn } },
      });
      const rule = await events.send(new DescribeRuleCommand({ Name: stack.outputs.RuleName }));
      expect(rule).toMatchObject({ ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' });

      await clock.advance(5 * 60_000);
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: stack.outputs.QueueUrl, MaxNumberOfMessages: 10 }),
      );
      expect(received.Messages).toHaveLength(1);
      const record = JSON.parse(received.Messages![0]!.Body!);
      expect(record.requestContext).toMatchObject({
        condition: 'RetriesExhausted',
        approximateInvokeCount: 1,
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:app-local-reconcile:$LATEST',
      });
      expect(record.requestPayload).toMatchObject({
        'detail-type': 'Scheduled Event',
        resources: [stack.outputs.RuleArn],
      });

      // Deploying the same template again changes nothing (CloudFormation: no updates to perform).
      const again = await emulator.deployPackage({ packageDir: dir, stackName: STACK });
      expect(again.outputs).toEqual(stack.outputs);
      const queue = (s: typeof stack) => s.resources.find((r) => r.logicalId === 'DeadLetterQueue');
      expect(queue(again)?.physicalId).toBe(queue(stack)?.physicalId);
    } finally {
      lambda.destroy();
      events.destroy();
      sqs.destroy();
    }
  });
});
