import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ListExportsCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  LambdaClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../aws/clients.js';
import { ManualClock } from '../clock.js';
import { DynamoDbEndpoint } from '../dynamodb/endpoint.js';
import { EdgeServer } from '../server.js';
import { applyTemplate } from './apply.js';
import { CloudFormationModel } from './model.js';
import { CloudFormationEndpoint } from './protocol.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const STACK = 'kinesis-autoscaler-local';
const START = Date.UTC(2026, 0, 1, 12);
const fixtureText = readFileSync(
  new URL('./fixtures/cloudformation-template-update-stack.json', import.meta.url),
  'utf8',
);

describe('CloudFormationEndpoint', () => {
  const clock = new ManualClock(START);
  const model = new CloudFormationModel(clock);
  const dynamoEndpoint = new DynamoDbEndpoint({ accountId: ACCOUNT });
  const edge = new EdgeServer({
    endpoints: [new CloudFormationEndpoint(model)],
    rawEndpoints: [dynamoEndpoint],
    defaultRegion: REGION,
    accountId: ACCOUNT,
  });
  let cfn: CloudFormationClient;
  let dynamodb: DynamoDBClient;
  let artifactDir: string;
  let url: string;
  const sns = new SNSClient({ region: REGION });
  const lambda = new LambdaClient({ region: REGION });

  const apply = () =>
    applyTemplate({
      stackName: STACK,
      template: fixtureText,
      region: REGION,
      accountId: ACCOUNT,
      artifactDir,
      clients: { sns, dynamodb, lambda },
      model,
    });

  beforeAll(async () => {
    url = (await edge.listen(0)).url;
    cfn = new CloudFormationClient(clientConfig({ endpoint: url, region: REGION }, {}));
    dynamodb = new DynamoDBClient(clientConfig({ endpoint: url, region: REGION }, {}));
    artifactDir = mkdtempSync(path.join(tmpdir(), 'cfn-protocol-'));
    for (const name of ['scaleUp', 'scaleDown']) {
      writeFileSync(path.join(artifactDir, `${name}.zip`), Buffer.from('PK\u0005\u0006'));
    }
    // SNS and Lambda are other engineers' emulators; here only DynamoDB is real.
    const snsMock = mockClient(sns);
    snsMock.on(ListTopicsCommand).resolves({ Topics: [] });
    snsMock.on(CreateTopicCommand).callsFake((input: { Name: string }) => ({
      TopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:${input.Name}`,
    }));
    snsMock.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
    snsMock.on(SubscribeCommand).callsFake((input: { TopicArn: string }) => ({
      SubscriptionArn: `${input.TopicArn}:0f9c`,
    }));
    const lambdaMock = mockClient(lambda);
    lambdaMock
      .on(GetFunctionCommand)
      .rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    lambdaMock.on(CreateFunctionCommand).callsFake((input: { FunctionName: string }) => ({
      FunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${input.FunctionName}`,
    }));
    await apply();
  });

  afterAll(async () => {
    cfn?.destroy();
    dynamodb?.destroy();
    await edge.close();
    await dynamoEndpoint.close();
    rmSync(artifactDir, { recursive: true, force: true });
  });

  it('created the table in the DynamoDB emulator, with TTL', async () => {
    const ttl = await dynamodb.send(
      new DescribeTimeToLiveCommand({ TableName: 'kinesis-autoscaler-logs-local' }),
    );
    expect(ttl.TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'expires_at',
    });
  });

  it('describes the stack with its outputs and export names', async () => {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: STACK }));
    expect(Stacks).toHaveLength(1);
    const stack = Stacks![0]!;
    expect(stack).toMatchObject({
      StackName: STACK,
      StackStatus: 'CREATE_COMPLETE',
      CreationTime: new Date(START),
      Description: 'The AWS CloudFormation template for this Serverless application',
    });
    expect(stack.StackId).toMatch(
      /^arn:aws:cloudformation:us-east-1:000000000000:stack\/kinesis-autoscaler-local\//,
    );
    expect(stack.Outputs).toContainEqual({
      OutputKey: 'ScaleUpTopicArn',
      OutputValue: 'arn:aws:sns:us-east-1:000000000000:kinesis-autoscaler-scale-up-local',
      Description: 'Topic the scale-up alarms publish to',
      ExportName: 'kinesis-autoscaler-local-ScaleUpTopicArn',
    });
    expect(stack.Outputs).toHaveLength(5);

    const all = await cfn.send(new DescribeStacksCommand({}));
    expect(all.Stacks?.map((s) => s.StackName)).toEqual([STACK]);
  });

  it('keeps stacks per region', async () => {
    const west = new CloudFormationClient(clientConfig({ endpoint: url, region: 'eu-west-1' }, {}));
    try {
      expect((await west.send(new DescribeStacksCommand({}))).Stacks ?? []).toEqual([]);
      expect((await west.send(new ListExportsCommand({}))).Exports ?? []).toEqual([]);
    } finally {
      west.destroy();
    }
  });

  it('fails for an unknown stack as CloudFormation does', async () => {
    await expect(cfn.send(new DescribeStacksCommand({ StackName: 'nope' }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id nope does not exist',
    });
  });

  it('lists exports', async () => {
    const { Exports } = await cfn.send(new ListExportsCommand({}));
    expect(Exports).toContainEqual({
      ExportingStackId: expect.stringContaining(STACK),
      Name: 'kinesis-autoscaler-local-ScaleDownTopicArn',
      Value: 'arn:aws:sns:us-east-1:000000000000:kinesis-autoscaler-scale-down-local',
    });
    expect(Exports).toHaveLength(5);
  });

  it('lists and describes stack resources', async () => {
    const { StackResourceSummaries } = await cfn.send(
      new ListStackResourcesCommand({ StackName: STACK }),
    );
    expect(StackResourceSummaries).toContainEqual({
      LogicalResourceId: 'ScalingLogsTable',
      PhysicalResourceId: 'kinesis-autoscaler-logs-local',
      ResourceType: 'AWS::DynamoDB::Table',
      LastUpdatedTimestamp: new Date(START),
      ResourceStatus: 'CREATE_COMPLETE',
      ResourceStatusReason:
        'TTL set on expires_at (the emulator records TTL but does not expire items)',
      DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
    });
    expect(StackResourceSummaries).toHaveLength(18);
    const role = StackResourceSummaries?.find(
      (r) => r.LogicalResourceId === 'IamRoleLambdaExecution',
    );
    expect(role?.ResourceStatusReason).toContain('IAM');

    const byLogical = await cfn.send(
      new DescribeStackResourcesCommand({ StackName: STACK, LogicalResourceId: 'ScaleUpTopic' }),
    );
    expect(byLogical.StackResources).toEqual([
      expect.objectContaining({
        StackName: STACK,
        LogicalResourceId: 'ScaleUpTopic',
        PhysicalResourceId: 'arn:aws:sns:us-east-1:000000000000:kinesis-autoscaler-scale-up-local',
        ResourceType: 'AWS::SNS::Topic',
        Timestamp: new Date(START),
        ResourceStatus: 'CREATE_COMPLETE',
      }),
    ]);
    const byPhysical = await cfn.send(
      new DescribeStackResourcesCommand({
        PhysicalResourceId: 'kinesis-autoscaler-local-scaleDown',
      }),
    );
    expect(byPhysical.StackResources?.map((r) => r.LogicalResourceId)).toEqual([
      'ScaleDownLambdaFunction',
    ]);
  });

  it('refuses stack operations when it is given only the model (no engine)', async () => {
    await expect(
      cfn.send(new CreateStackCommand({ StackName: 'x', TemplateBody: '{}' })),
    ).rejects.toMatchObject({
      name: 'InvalidAction',
      message: 'This CloudFormation endpoint only reads stacks',
    });
  });

  it('reports an update after re-applying, keeping the table', async () => {
    await clock.advance(5 * 60_000);
    const result = await apply();
    expect(result.resources.find((r) => r.logicalId === 'ScalingLogsTable')?.status).toBe(
      'UPDATED',
    );
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: STACK }));
    expect(Stacks?.[0]).toMatchObject({
      StackStatus: 'UPDATE_COMPLETE',
      CreationTime: new Date(START),
      LastUpdatedTime: new Date(START + 5 * 60_000),
    });
  });
});
