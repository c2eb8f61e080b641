import {
  CloudFormationClient,
  CloudFormationServiceException,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  ListChangeSetsCommand,
  ListStackResourcesCommand,
  UpdateStackCommand,
  ValidateTemplateCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetTopicAttributesCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../aws/clients.js';
import { ManualClock } from '../clock.js';
import { Emulator } from '../emulator.js';
import { buildZip, RECORDER_JS } from '../lambda/test-support.js';

const REGION = 'us-east-1';

const table = (name: string) => ({
  Type: 'AWS::DynamoDB::Table',
  Properties: {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  },
});
const topic = (displayName: string) => ({
  Type: 'AWS::SNS::Topic',
  Properties: { TopicName: 'lifecycle-topic', DisplayName: displayName },
});

describe('CloudFormation stack lifecycle through @aws-sdk/client-cloudformation', () => {
  let emulator: Emulator;
  let cfn: CloudFormationClient;
  let sns: SNSClient;
  let dynamodb: DynamoDBClient;
  let s3: S3Client;
  let lambda: LambdaClient;

  beforeAll(async () => {
    emulator = await Emulator.start({ port: 0, clock: new ManualClock(Date.UTC(2026, 11, 2)) });
    const config = clientConfig({ endpoint: emulator.url, region: REGION }, {});
    cfn = new CloudFormationClient(config);
    sns = new SNSClient(config);
    dynamodb = new DynamoDBClient(config);
    lambda = new LambdaClient(config);
    s3 = new S3Client({ ...config, forcePathStyle: true });
  });
  afterAll(async () => {
    for (const c of [cfn, sns, dynamodb, s3, lambda]) c.destroy();
    await emulator.stop();
  });

  const stackStatus = async (name: string) =>
    (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0]?.StackStatus;
  const events = async (name: string): Promise<StackEvent[]> =>
    ((await cfn.send(new DescribeStackEventsCommand({ StackName: name }))).StackEvents ?? [])
      .slice()
      .reverse();
  const lines = (list: StackEvent[]) =>
    list.map((e) => `${e.LogicalResourceId} ${e.ResourceStatus}`);
  async function failure(p: Promise<unknown>): Promise<CloudFormationServiceException> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CloudFormationServiceException);
    return err as CloudFormationServiceException;
  }

  it('creates through a change set, updates in place and by replacement, and deletes', async () => {
    const v1 = JSON.stringify({
      Resources: { Topic: topic('one'), Table: table('lifecycle-a') },
      Outputs: { TableName: { Value: { Ref: 'Table' }, Export: { Name: 'lifecycle-table' } } },
    });
    const created = await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'lifecycle',
        ChangeSetName: 'first',
        ChangeSetType: 'CREATE',
        TemplateBody: v1,
      }),
    );
    expect(await stackStatus('lifecycle')).toBe('REVIEW_IN_PROGRESS');
    const first = await cfn.send(
      new DescribeChangeSetCommand({ StackName: 'lifecycle', ChangeSetName: 'first' }),
    );
    expect(first).toMatchObject({
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      StackId: created.StackId,
    });
    expect(
      first.Changes?.map((c) => [c.ResourceChange?.Action, c.ResourceChange?.LogicalResourceId]),
    ).toEqual([
      ['Add', 'Topic'],
      ['Add', 'Table'],
    ]);
    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: created.Id }));
    await emulator.stacks.settled();
    expect(await stackStatus('lifecycle')).toBe('CREATE_COMPLETE');
    expect(lines(await events('lifecycle'))).toEqual([
      'lifecycle REVIEW_IN_PROGRESS',
      'lifecycle CREATE_IN_PROGRESS',
      'Topic CREATE_IN_PROGRESS',
      'Topic CREATE_IN_PROGRESS',
      'Topic CREATE_COMPLETE',
      'Table CREATE_IN_PROGRESS',
      'Table CREATE_IN_PROGRESS',
      'Table CREATE_COMPLETE',
      'lifecycle CREATE_COMPLETE',
    ]);
    const topicArn = `arn:aws:sns:${REGION}:000000000000:lifecycle-topic`;
    const bucketRes = await cfn.send(
      new DescribeStackResourceCommand({ StackName: 'lifecycle', LogicalResourceId: 'Table' }),
    );
    expect(bucketRes.StackResourceDetail).toMatchObject({
      PhysicalResourceId: 'lifecycle-a',
      ResourceStatus: 'CREATE_COMPLETE',
    });

    // The same template again is no change at all, through either path.
    const same = await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'lifecycle',
        ChangeSetName: 'same',
        TemplateBody: v1,
      }),
    );
    const unchanged = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: same.Id }));
    expect(unchanged).toMatchObject({ Status: 'FAILED', ExecutionStatus: 'UNAVAILABLE' });
    expect(unchanged.StatusReason).toMatch(/didn't contain changes/);
    const listed = await cfn.send(new ListChangeSetsCommand({ StackName: 'lifecycle' }));
    expect(listed.Summaries?.map((s) => s.ChangeSetName)).toContain('same');
    await cfn.send(new DeleteChangeSetCommand({ StackName: 'lifecycle', ChangeSetName: 'same' }));
    // Deleting a change set that is not there succeeds (tools delete before they create).
    await cfn.send(new DeleteChangeSetCommand({ StackName: 'lifecycle', ChangeSetName: 'same' }));
    const noUpdate = await failure(
      cfn.send(new UpdateStackCommand({ StackName: 'lifecycle', TemplateBody: v1 })),
    );
    expect(noUpdate.message).toBe('No updates are to be performed.');

    // v2: the topic changes in place; the table is renamed, so it is replaced.
    const v2 = JSON.stringify({
      Resources: { Topic: topic('two'), Table: table('lifecycle-b') },
      Outputs: { TableName: { Value: { Ref: 'Table' }, Export: { Name: 'lifecycle-table' } } },
    });
    const update = await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'lifecycle',
        ChangeSetName: 'second',
        TemplateBody: v2,
      }),
    );
    const second = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: update.Id }));
    expect(
      second.Changes?.map((c) => [
        c.ResourceChange?.Action,
        c.ResourceChange?.LogicalResourceId,
        c.ResourceChange?.Replacement,
      ]),
    ).toEqual([
      ['Modify', 'Topic', 'False'],
      ['Modify', 'Table', 'True'],
    ]);
    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: update.Id }));
    await emulator.stacks.settled();
    expect(await stackStatus('lifecycle')).toBe('UPDATE_COMPLETE');
    const updateEvents = lines(await events('lifecycle'));
    expect(updateEvents.slice(updateEvents.indexOf('lifecycle UPDATE_IN_PROGRESS'))).toEqual([
      'lifecycle UPDATE_IN_PROGRESS',
      'Topic UPDATE_IN_PROGRESS',
      'Topic UPDATE_COMPLETE',
      'Table UPDATE_IN_PROGRESS',
      'Table UPDATE_IN_PROGRESS',
      'Table UPDATE_COMPLETE',
      'lifecycle UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      'Table DELETE_IN_PROGRESS',
      'Table DELETE_COMPLETE',
      'lifecycle UPDATE_COMPLETE',
    ]);
    const attrs = await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
    expect(attrs.Attributes?.DisplayName).toBe('two');
    await dynamodb.send(new DescribeTableCommand({ TableName: 'lifecycle-b' }));
    await expect(
      dynamodb.send(new DescribeTableCommand({ TableName: 'lifecycle-a' })),
    ).rejects.toThrow(/not found/i);
    const described = (await cfn.send(new DescribeStacksCommand({ StackName: 'lifecycle' })))
      .Stacks?.[0];
    expect(described?.Outputs?.[0]).toMatchObject({
      OutputValue: 'lifecycle-b',
      ExportName: 'lifecycle-table',
    });
    const template = await cfn.send(new GetTemplateCommand({ StackName: 'lifecycle' }));
    expect(template.TemplateBody).toBe(v2);

    await cfn.send(new DeleteStackCommand({ StackName: 'lifecycle' }));
    await emulator.stacks.settled();
    const gone = await failure(cfn.send(new DescribeStacksCommand({ StackName: 'lifecycle' })));
    expect(gone.message).toBe('Stack with id lifecycle does not exist');
    // A deleted stack is still described by its id.
    expect(await stackStatus(created.StackId!)).toBe('DELETE_COMPLETE');
    const topics = await sns.send(new ListTopicsCommand({}));
    expect(topics.Topics?.map((t) => t.TopicArn)).not.toContain(topicArn);
  });

  it('takes the template and the Lambda code from S3 and rolls back a failed create', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'artifacts' }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'artifacts',
        Key: 'code/fn.zip',
        Body: await buildZip({ 'index.js': RECORDER_JS }),
      }),
    );
    const template = (key: string) =>
      JSON.stringify({
        Resources: {
          Role: {
            Type: 'AWS::IAM::Role',
            Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] } },
          },
          Fn: {
            Type: 'AWS::Lambda::Function',
            Properties: {
              FunctionName: 'from-s3',
              Runtime: 'nodejs22.x',
              Handler: 'index.handler',
              Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
              Code: { S3Bucket: 'artifacts', S3Key: key },
            },
          },
        },
      });
    await s3.send(
      new PutObjectCommand({
        Bucket: 'artifacts',
        Key: 'good.json',
        Body: template('code/fn.zip'),
      }),
    );
    const url = `${emulator.url}/artifacts/good.json`;

    const validated = await cfn.send(new ValidateTemplateCommand({ TemplateURL: url }));
    expect(validated.Capabilities).toEqual(['CAPABILITY_IAM']);
    const refused = await failure(
      cfn.send(new CreateStackCommand({ StackName: 'from-s3', TemplateURL: url })),
    );
    expect(refused.name).toBe('InsufficientCapabilitiesException');

    await cfn.send(
      new CreateStackCommand({
        StackName: 'from-s3',
        TemplateURL: url,
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
    await emulator.stacks.settled();
    expect(await stackStatus('from-s3')).toBe('CREATE_COMPLETE');
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: 'from-s3' }));
    expect(fn.Configuration?.CodeSize).toBeGreaterThan(0);
    const resources = await cfn.send(new ListStackResourcesCommand({ StackName: 'from-s3' }));
    expect(resources.StackResourceSummaries?.map((r) => r.ResourceStatus)).toEqual([
      'CREATE_COMPLETE',
      'CREATE_COMPLETE',
    ]);

    // Code that is not in the bucket fails the resource; the stack rolls back what it created.
    await cfn.send(
      new CreateStackCommand({
        StackName: 'broken',
        TemplateBody: template('code/missing.zip').replace('"from-s3"', '"broken-fn"'),
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
    await emulator.stacks.settled();
    expect(await stackStatus('broken')).toBe('ROLLBACK_COMPLETE');
    const broken = await events('broken');
    const failed = broken.find((e) => e.ResourceStatus === 'CREATE_FAILED');
    expect(failed).toMatchObject({ LogicalResourceId: 'Fn' });
    expect(failed?.ResourceStatusReason).toMatch(/NoSuchKey/);
    expect(lines(broken).slice(-4)).toEqual([
      'broken ROLLBACK_IN_PROGRESS',
      'Role DELETE_IN_PROGRESS',
      'Role DELETE_COMPLETE',
      'broken ROLLBACK_COMPLETE',
    ]);
    await cfn.send(new DeleteStackCommand({ StackName: 'broken' }));
    await emulator.stacks.settled();
    await failure(cfn.send(new DescribeStacksCommand({ StackName: 'broken' })));
  });

  it('fails to delete a stack whose bucket still has objects, as S3 refuses', async () => {
    await cfn.send(
      new CreateStackCommand({
        StackName: 'with-bucket',
        TemplateBody: JSON.stringify({
          Resources: { Bucket: { Type: 'AWS::S3::Bucket' } },
          Outputs: { Name: { Value: { Ref: 'Bucket' } } },
        }),
      }),
    );
    await emulator.stacks.settled();
    const name = (await cfn.send(new DescribeStacksCommand({ StackName: 'with-bucket' })))
      .Stacks?.[0]?.Outputs?.[0]?.OutputValue;
    expect(name).toMatch(/^with-bucket-bucket-[0-9a-f]{12}$/);
    await s3.send(new PutObjectCommand({ Bucket: name, Key: 'k', Body: 'v' }));
    await cfn.send(new DeleteStackCommand({ StackName: 'with-bucket' }));
    await emulator.stacks.settled();
    expect(await stackStatus('with-bucket')).toBe('DELETE_FAILED');
    const failed = (await events('with-bucket')).find((e) => e.ResourceStatus === 'DELETE_FAILED');
    expect(failed?.ResourceStatusReason).toMatch(/BucketNotEmpty/);
  });

  it('answers bad requests with CloudFormation errors', async () => {
    const badName = await failure(
      cfn.send(new CreateStackCommand({ StackName: '1bad', TemplateBody: '{}' })),
    );
    expect(badName.message).toMatch(/failed to satisfy constraint/);
    const badTemplate = await failure(
      cfn.send(new CreateStackCommand({ StackName: 'bad-template', TemplateBody: 'not json' })),
    );
    expect(badTemplate.message).toMatch(/^Template format error: /);
    const missing = await failure(
      cfn.send(new DescribeChangeSetCommand({ StackName: 'nope', ChangeSetName: 'x' })),
    );
    expect(missing.message).toMatch(/does not exist/);
    const noStack = await failure(
      cfn.send(
        new CreateChangeSetCommand({
          StackName: 'not-there',
          ChangeSetName: 'x',
          TemplateBody: JSON.stringify({ Resources: { T: topic('x') } }),
        }),
      ),
    );
    expect(noStack.message).toBe('Stack [not-there] does not exist');
  });
});
