import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceNotFoundException as DdbNotFound,
  UpdateTimeToLiveCommand,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  LambdaClient,
  PutFunctionEventInvokeConfigCommand,
  ResourceNotFoundException as LambdaNotFound,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
  TagResourceCommand,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import JSZip from 'jszip';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { applyTemplate, type ApplyTemplateOptions } from './apply.js';
import { CloudFormationModel } from './model.js';
import type { Template } from './template.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const STACK = 'kinesis-autoscaler-local';
const fixtureText = readFileSync(
  new URL('./fixtures/cloudformation-template-update-stack.json', import.meta.url),
  'utf8',
);
const fixture = () => JSON.parse(fixtureText) as Template;

const sns = new SNSClient({ region: REGION });
const dynamodb = new DynamoDBClient({ region: REGION });
const lambda = new LambdaClient({ region: REGION });
const snsMock = mockClient(sns);
const ddbMock = mockClient(dynamodb);
const lambdaMock = mockClient(lambda);

/** A small stateful stand-in for the three services, so that re-applying sees what exists. */
function installFakeCloud() {
  const topics = new Map<string, { name: string }>();
  const subscriptions: Array<{
    arn: string;
    topicArn: string;
    protocol: string;
    endpoint: string;
  }> = [];
  const tables = new Map<string, { keySchema: KeySchemaElement[]; ttl?: string }>();
  const functions = new Set<string>();

  snsMock.reset();
  ddbMock.reset();
  lambdaMock.reset();

  snsMock.on(ListTopicsCommand).callsFake(() => ({
    Topics: [...topics.keys()].map((TopicArn) => ({ TopicArn })),
  }));
  snsMock.on(CreateTopicCommand).callsFake((input: { Name: string }) => {
    const arn = `arn:aws:sns:${REGION}:${ACCOUNT}:${input.Name}`;
    topics.set(arn, { name: input.Name });
    return { TopicArn: arn };
  });
  snsMock.on(SetTopicAttributesCommand).resolves({});
  snsMock.on(TagResourceCommand).resolves({});
  snsMock.on(ListSubscriptionsByTopicCommand).callsFake((input: { TopicArn: string }) => ({
    Subscriptions: subscriptions
      .filter((s) => s.topicArn === input.TopicArn)
      .map((s) => ({
        SubscriptionArn: s.arn,
        TopicArn: s.topicArn,
        Protocol: s.protocol,
        Endpoint: s.endpoint,
      })),
  }));
  snsMock
    .on(SubscribeCommand)
    .callsFake((input: { TopicArn: string; Protocol: string; Endpoint: string }) => {
      const arn = `${input.TopicArn}:sub-${subscriptions.length + 1}`;
      subscriptions.push({
        arn,
        topicArn: input.TopicArn,
        protocol: input.Protocol,
        endpoint: input.Endpoint,
      });
      return { SubscriptionArn: arn };
    });

  const tableArn = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
  ddbMock.on(DescribeTableCommand).callsFake((input: { TableName: string }) => {
    const t = tables.get(input.TableName);
    if (!t) throw new DdbNotFound({ message: 'Requested resource not found', $metadata: {} });
    return {
      Table: {
        TableName: input.TableName,
        KeySchema: t.keySchema,
        TableArn: tableArn(input.TableName),
      },
    };
  });
  ddbMock
    .on(CreateTableCommand)
    .callsFake((input: { TableName: string; KeySchema: KeySchemaElement[] }) => {
      tables.set(input.TableName, { keySchema: input.KeySchema });
      return {
        TableDescription: {
          TableName: input.TableName,
          TableArn: tableArn(input.TableName),
          TableStatus: 'CREATING',
        },
      };
    });
  ddbMock.on(DescribeTimeToLiveCommand).callsFake((input: { TableName: string }) => {
    const ttl = tables.get(input.TableName)?.ttl;
    return {
      TimeToLiveDescription: ttl
        ? { TimeToLiveStatus: 'ENABLED', AttributeName: ttl }
        : { TimeToLiveStatus: 'DISABLED' },
    };
  });
  ddbMock
    .on(UpdateTimeToLiveCommand)
    .callsFake(
      (input: {
        TableName: string;
        TimeToLiveSpecification: { Enabled: boolean; AttributeName: string };
      }) => {
        const t = tables.get(input.TableName)!;
        if (input.TimeToLiveSpecification.Enabled)
          t.ttl = input.TimeToLiveSpecification.AttributeName;
        else delete t.ttl;
        return { TimeToLiveSpecification: input.TimeToLiveSpecification };
      },
    );

  const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
  lambdaMock.on(GetFunctionCommand).callsFake((input: { FunctionName: string }) => {
    if (!functions.has(input.FunctionName)) {
      throw new LambdaNotFound({ message: 'Function not found', $metadata: {} });
    }
    return {
      Configuration: { FunctionName: input.FunctionName, FunctionArn: fnArn(input.FunctionName) },
    };
  });
  lambdaMock.on(CreateFunctionCommand).callsFake((input: { FunctionName: string }) => {
    functions.add(input.FunctionName);
    return { FunctionName: input.FunctionName, FunctionArn: fnArn(input.FunctionName) };
  });
  lambdaMock.on(UpdateFunctionCodeCommand).callsFake((input: { FunctionName: string }) => ({
    FunctionArn: fnArn(input.FunctionName),
  }));
  lambdaMock
    .on(UpdateFunctionConfigurationCommand)
    .callsFake((input: { FunctionName: string }) => ({
      FunctionArn: fnArn(input.FunctionName),
    }));
  return { topics, subscriptions, tables, functions };
}

const totalCalls = () =>
  snsMock.calls().length + ddbMock.calls().length + lambdaMock.calls().length;

describe('applyTemplate', () => {
  let artifactDir: string;
  const zips: Record<string, Buffer> = {};

  beforeAll(async () => {
    artifactDir = mkdtempSync(path.join(tmpdir(), 'cfn-apply-'));
    for (const name of ['scaleUp', 'scaleDown']) {
      const zip = new JSZip();
      zip.file(`src/handlers/${name}.js`, `exports.handler = async () => '${name}';`);
      zips[name] = await zip.generateAsync({ type: 'nodebuffer' });
      writeFileSync(path.join(artifactDir, `${name}.zip`), zips[name]);
    }
  });

  afterAll(() => rmSync(artifactDir, { recursive: true, force: true }));

  beforeEach(() => {
    installFakeCloud();
  });

  const options = (over: Partial<ApplyTemplateOptions> = {}): ApplyTemplateOptions => ({
    stackName: STACK,
    template: fixtureText,
    region: REGION,
    accountId: ACCOUNT,
    artifactDir,
    clients: { sns, dynamodb, lambda },
    ...over,
  });

  it('applies the Serverless template through the service APIs', async () => {
    const result = await applyTemplate(options());
    const upArn = `arn:aws:sns:${REGION}:${ACCOUNT}:kinesis-autoscaler-scale-up-local`;
    const downArn = `arn:aws:sns:${REGION}:${ACCOUNT}:kinesis-autoscaler-scale-down-local`;
    const upFn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:kinesis-autoscaler-local-scaleUp`;

    expect(snsMock.commandCalls(CreateTopicCommand).map((c) => c.args[0].input)).toEqual([
      {
        Name: 'kinesis-autoscaler-scale-down-local',
        Attributes: { DisplayName: 'Kinesis autoscaler scale-down alarms (local)' },
        Tags: [
          { Key: 'service', Value: 'kinesis-autoscaler' },
          { Key: 'stage', Value: 'local' },
        ],
      },
      {
        Name: 'kinesis-autoscaler-scale-up-local',
        Attributes: { DisplayName: 'Kinesis autoscaler scale-up alarms (local)' },
        Tags: [
          { Key: 'service', Value: 'kinesis-autoscaler' },
          { Key: 'stage', Value: 'local' },
        ],
      },
    ]);

    const tableCreate = ddbMock.commandCalls(CreateTableCommand)[0]!.args[0].input;
    expect(tableCreate).toMatchObject({
      TableName: 'kinesis-autoscaler-logs-local',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'stream_name', KeyType: 'HASH' },
        { AttributeName: 'scaling_datetime', KeyType: 'RANGE' },
      ],
    });
    expect(ddbMock.commandCalls(UpdateTimeToLiveCommand).map((c) => c.args[0].input)).toEqual([
      {
        TableName: 'kinesis-autoscaler-logs-local',
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires_at' },
      },
    ]);

    const creates = lambdaMock.commandCalls(CreateFunctionCommand).map((c) => c.args[0].input);
    expect(creates.map((c) => c.FunctionName)).toEqual([
      'kinesis-autoscaler-local-scaleUp',
      'kinesis-autoscaler-local-scaleDown',
    ]);
    const up = creates.find((c) => c.FunctionName === 'kinesis-autoscaler-local-scaleUp')!;
    expect(Buffer.from(up.Code!.ZipFile!)).toEqual(zips.scaleUp);
    expect(up).toMatchObject({
      Handler: 'src/handlers/scale-up.handler',
      Runtime: 'nodejs20.x',
      Timeout: 60,
      MemorySize: 256,
      Description: 'Scales a Kinesis stream up when its alarm fires',
      Role: `arn:aws:iam::${ACCOUNT}:role/kinesis-autoscaler-local-us-east-1-lambdaRole`,
      Environment: {
        Variables: {
          STAGE: 'local',
          LOGS_TABLE_NAME: 'kinesis-autoscaler-logs-local',
          SCALE_UP_TOPIC_ARN: upArn,
          SCALE_DOWN_TOPIC_ARN: downArn,
          LOG_RETENTION_DAYS: '30',
          AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });

    const subscribes = snsMock.commandCalls(SubscribeCommand).map((c) => c.args[0].input);
    expect(subscribes).toContainEqual({
      TopicArn: upArn,
      Protocol: 'lambda',
      Endpoint: upFn,
      ReturnSubscriptionArn: true,
    });
    expect(subscribes).toHaveLength(2);

    expect(result.outputs).toEqual({
      ServerlessDeploymentBucketName: 'kinesis-autoscaler-local-serverlessdeploymentbucket',
      ScaleUpLambdaFunctionQualifiedArn: `${upFn}:$LATEST`,
      ScaleDownLambdaFunctionQualifiedArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:kinesis-autoscaler-local-scaleDown:$LATEST`,
      ScaleUpTopicArn: upArn,
      ScaleDownTopicArn: downArn,
    });
    expect(result.exports).toMatchObject({
      'kinesis-autoscaler-local-ScaleUpTopicArn': upArn,
      'kinesis-autoscaler-local-ScaleDownTopicArn': downArn,
      'sls-kinesis-autoscaler-local-ServerlessDeploymentBucketName':
        'kinesis-autoscaler-local-serverlessdeploymentbucket',
    });

    const byId = Object.fromEntries(result.resources.map((r) => [r.logicalId, r]));
    expect(result.resources).toHaveLength(Object.keys(fixture().Resources).length);
    expect(byId.ScaleUpLambdaFunction).toEqual({
      logicalId: 'ScaleUpLambdaFunction',
      type: 'AWS::Lambda::Function',
      physicalId: 'kinesis-autoscaler-local-scaleUp',
      status: 'CREATED',
    });
    expect(byId.ScaleUpSnsSubscriptionKinesisautoscalerscaleuplocal?.physicalId).toBe(
      `${upArn}:sub-1`,
    );
    expect(byId.IamRoleLambdaExecution).toMatchObject({
      status: 'NO_OP',
      physicalId: 'kinesis-autoscaler-local-us-east-1-lambdaRole',
      note: expect.stringContaining('IAM'),
    });
    for (const type of [
      'AWS::Logs::LogGroup',
      'AWS::S3::Bucket',
      'AWS::S3::BucketPolicy',
      'AWS::Lambda::Version',
      'AWS::Lambda::Permission',
    ]) {
      const noOps = result.resources.filter((r) => r.type === type);
      expect(noOps.length).toBeGreaterThan(0);
      for (const r of noOps) expect(r).toMatchObject({ status: 'NO_OP', note: expect.any(String) });
    }
    // Async invocation settings are applied to the functions.
    expect(
      lambdaMock.commandCalls(PutFunctionEventInvokeConfigCommand).map((c) => c.args[0].input),
    ).toContainEqual({
      FunctionName: 'kinesis-autoscaler-local-scaleUp',
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: undefined,
      DestinationConfig: { OnSuccess: undefined, OnFailure: undefined },
    });
  });

  it('is idempotent: re-applying creates nothing and updates the functions in place', async () => {
    const first = await applyTemplate(options());
    snsMock.resetHistory();
    ddbMock.resetHistory();
    lambdaMock.resetHistory();

    const second = await applyTemplate(options());
    expect(snsMock.commandCalls(CreateTopicCommand)).toHaveLength(0);
    expect(snsMock.commandCalls(SubscribeCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(CreateTableCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(UpdateTimeToLiveCommand)).toHaveLength(0);
    expect(lambdaMock.commandCalls(CreateFunctionCommand)).toHaveLength(0);
    const codeUpdates = lambdaMock
      .commandCalls(UpdateFunctionCodeCommand)
      .map((c) => c.args[0].input);
    expect(codeUpdates.map((c) => [c.FunctionName, Buffer.from(c.ZipFile!)])).toEqual([
      ['kinesis-autoscaler-local-scaleUp', zips.scaleUp],
      ['kinesis-autoscaler-local-scaleDown', zips.scaleDown],
    ]);
    const configUpdate = lambdaMock.commandCalls(UpdateFunctionConfigurationCommand)[0]!.args[0]
      .input;
    expect(configUpdate.Environment?.Variables?.LOGS_TABLE_NAME).toBe(
      'kinesis-autoscaler-logs-local',
    );
    expect(second.outputs).toEqual(first.outputs);
    expect(second.resources.map((r) => r.physicalId)).toEqual(
      first.resources.map((r) => r.physicalId),
    );
    expect(
      second.resources.filter((r) => r.status !== 'NO_OP').every((r) => r.status === 'UPDATED'),
    ).toBe(true);
  });

  it('rejects an unsupported resource type before calling any service', async () => {
    const t = fixture();
    t.Resources.Machine = { Type: 'AWS::StepFunctions::StateMachine', Properties: {} };
    await expect(applyTemplate(options({ template: t }))).rejects.toThrow(
      /^resource Machine: type AWS::StepFunctions::StateMachine is not supported by the emulator/,
    );
    expect(totalCalls()).toBe(0);
  });

  it('rejects a missing packaged zip before calling any service', async () => {
    const t = fixture();
    t.Resources.ScaleDownLambdaFunction!.Properties!.Code = {
      S3Bucket: 'b',
      S3Key: 'serverless/kinesis-autoscaler/local/1/missing.zip',
    };
    await expect(applyTemplate(options({ template: t }))).rejects.toThrow(
      /resource ScaleDownLambdaFunction: Code.S3Key .*missing\.zip does not exist/,
    );
    expect(totalCalls()).toBe(0);
  });

  it('refuses to replace an existing table with another key schema', async () => {
    const cloud = installFakeCloud();
    cloud.tables.set('kinesis-autoscaler-logs-local', {
      keySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    });
    await expect(applyTemplate(options())).rejects.toThrow(
      /resource ScalingLogsTable \(AWS::DynamoDB::Table\): table kinesis-autoscaler-logs-local already exists with key schema id:HASH/,
    );
  });

  it('names the resource when a service call fails', async () => {
    snsMock
      .on(CreateTopicCommand)
      .rejects(Object.assign(new Error('topic quota'), { name: 'Throttled' }));
    await expect(applyTemplate(options())).rejects.toThrow(
      'resource ScaleDownTopic (AWS::SNS::Topic): Throttled: topic quota',
    );
  });

  it('records the stack in the model, imports its exports elsewhere and guards export names', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const model = new CloudFormationModel(clock);
    await applyTemplate(options({ model }));
    const stack = model.getStack(REGION, STACK)!;
    expect(stack.status).toBe('CREATE_COMPLETE');
    expect(stack.creationTime).toBe(Date.UTC(2026, 0, 1));
    expect(stack.outputs.find((o) => o.key === 'ScaleUpTopicArn')).toEqual({
      key: 'ScaleUpTopicArn',
      value: `arn:aws:sns:${REGION}:${ACCOUNT}:kinesis-autoscaler-scale-up-local`,
      description: 'Topic the scale-up alarms publish to',
      exportName: 'kinesis-autoscaler-local-ScaleUpTopicArn',
    });

    const consumer: Template = {
      Resources: {
        Extra: {
          Type: 'AWS::SNS::Subscription',
          Properties: {
            TopicArn: { 'Fn::ImportValue': 'kinesis-autoscaler-local-ScaleUpTopicArn' },
            Protocol: 'email',
            Endpoint: 'ops@example.com',
          },
        },
      },
      Outputs: {
        Clash: { Value: 'x', Export: { Name: 'kinesis-autoscaler-local-ScaleUpTopicArn' } },
      },
    };
    snsMock.resetHistory();
    await expect(
      applyTemplate(options({ model, stackName: 'consumer', template: consumer })),
    ).rejects.toThrow(
      'Export with name kinesis-autoscaler-local-ScaleUpTopicArn is already exported by stack kinesis-autoscaler-local',
    );
    expect(snsMock.calls()).toHaveLength(0);

    delete consumer.Outputs;
    const applied = await applyTemplate(
      options({ model, stackName: 'consumer', template: consumer }),
    );
    expect(snsMock.commandCalls(SubscribeCommand)[0]!.args[0].input.TopicArn).toBe(
      `arn:aws:sns:${REGION}:${ACCOUNT}:kinesis-autoscaler-scale-up-local`,
    );
    expect(applied.resources[0]?.status).toBe('CREATED');

    await clock.advance(60_000);
    await applyTemplate(options({ model }));
    const updated = model.getStack(REGION, STACK)!;
    expect(updated.status).toBe('UPDATE_COMPLETE');
    expect(updated.stackId).toBe(stack.stackId);
    expect(updated.lastUpdatedTime).toBe(Date.UTC(2026, 0, 1, 0, 1));
  });

  it('builds a zip for inline ZipFile code', async () => {
    const t: Template = {
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Runtime: 'nodejs20.x',
            Handler: 'index.handler',
            Role: 'arn:aws:iam::123456789012:role/r',
            Code: { ZipFile: 'exports.handler = async () => 42;' },
            ReservedConcurrentExecutions: 1,
          },
        },
      },
    };
    const result = await applyTemplate(options({ template: t }));
    expect(result.resources[0]).toMatchObject({
      physicalId: `${STACK}-Fn`,
      status: 'CREATED',
      note: 'ignored properties: ReservedConcurrentExecutions',
    });
    const zip = lambdaMock.commandCalls(CreateFunctionCommand)[0]!.args[0].input.Code!.ZipFile!;
    const files = await JSZip.loadAsync(zip);
    expect(await files.file('index.js')?.async('string')).toBe('exports.handler = async () => 42;');
  });
});
