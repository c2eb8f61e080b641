import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import JSZip from 'jszip';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCALING, ENV } from '../../src/autoscaler/config.js';
import { packagedStage } from '../support/packages.js';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}
interface Template {
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown; Export?: { Name: string } }>;
}

const templates: Record<string, Template> = {};
const dirs: Record<string, string> = {};

beforeAll(async () => {
  for (const stage of ['dev', 'local'] as const) {
    dirs[stage] = await packagedStage(stage);
    templates[stage] = JSON.parse(
      await readFile(join(dirs[stage]!, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as Template;
  }
});

const ofType = (t: Template, type: string) =>
  Object.entries(t.Resources).filter(([, r]) => r.Type === type);

it("ships the defaults that DEFAULT_SCALING and the README's configuration table state", async () => {
  const fn = templates.dev!.Resources.ScaleUpLambdaFunction!.Properties;
  const shipped = (fn.Environment as { Variables: Record<string, string> }).Variables;
  const readme = (await readFile(new URL('../../README.md', import.meta.url), 'utf8')).split('\n');
  for (const [key, name] of Object.entries(ENV)) {
    const value = DEFAULT_SCALING[key as keyof typeof ENV];
    const inCode = typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value);
    const row = readme.find((l) => l.startsWith('|') && l.includes(`\`${name}\``));
    const documented = row?.split('|').at(-2)?.trim();
    expect({ name, shipped: shipped[name], documented }).toEqual({
      name,
      shipped: inCode,
      documented: inCode,
    });
  }
});

describe.each(['dev', 'local'])('sls package --stage %s', (stage) => {
  it('creates both functions on nodejs22.x, bundled, with the service settings', () => {
    const fns = Object.fromEntries(ofType(templates[stage]!, 'AWS::Lambda::Function'));
    expect(Object.keys(fns).sort()).toEqual([
      'ReconcileLambdaFunction',
      'ScaleDownLambdaFunction',
      'ScaleUpLambdaFunction',
    ]);
    for (const [name, handler] of [
      ['ScaleUpLambdaFunction', 'src/autoscaler/handlers.scaleUp'],
      ['ScaleDownLambdaFunction', 'src/autoscaler/handlers.scaleDown'],
      ['ReconcileLambdaFunction', 'src/autoscaler/handlers.reconcile'],
    ] as const) {
      const p = fns[name]!.Properties;
      expect(p.Runtime).toBe('nodejs22.x');
      expect(p.Handler).toBe(handler);
      expect((p.Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
        SCALING_LOG_TABLE: `kinesis-autoscaler-logs-${stage}`,
        SCALING_LOG_TTL_DAYS: '14',
        SCALING_POLICY: 'ours',
        MIN_SHARDS: '1',
        TARGET_UTILIZATION: '0.45',
        HEADROOM: 'on',
        FORECAST: 'on',
        FORECAST_MINUTES: '240',
        BUDGET: 'on',
        SCALE_UP_TOPIC_ARN: { Ref: 'ScaleUpTopic' },
        SCALE_DOWN_TOPIC_ARN: { Ref: 'ScaleDownTopic' },
      });
    }
  });

  it('runs the reconciler every five minutes from an EventBridge schedule rule', () => {
    const t = templates[stage]!;
    const rules = ofType(t, 'AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [{ Arn: { 'Fn::GetAtt': ['ReconcileLambdaFunction', 'Arn'] } }],
    });
    const permission = ofType(t, 'AWS::Lambda::Permission').find(
      ([, r]) => r.Properties.Principal === 'events.amazonaws.com',
    );
    expect(permission?.[1].Properties).toMatchObject({
      FunctionName: { 'Fn::GetAtt': ['ReconcileLambdaFunction', 'Arn'] },
      Action: 'lambda:InvokeFunction',
      SourceArn: { 'Fn::GetAtt': [rules[0]![0], 'Arn'] },
    });
  });

  it('sends scaling invocations that fail after two retries to an SQS dead-letter queue', () => {
    const t = templates[stage]!;
    const [[queueId, queue]] = ofType(t, 'AWS::SQS::Queue') as [[string, Resource]];
    expect(queue.Properties.QueueName).toBe(`kinesis-autoscaler-failed-${stage}`);
    const configs = ofType(t, 'AWS::Lambda::EventInvokeConfig').map(([, r]) => r.Properties);
    expect(
      configs
        .map((c) => c.FunctionName)
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([{ Ref: 'ScaleDownLambdaFunction' }, { Ref: 'ScaleUpLambdaFunction' }]);
    for (const c of configs) {
      expect(c).toMatchObject({
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      });
    }
  });

  it('creates the two topics, subscribes each function and exports the ARNs', () => {
    const t = templates[stage]!;
    const topics = ofType(t, 'AWS::SNS::Topic').map(([id, r]) => [id, r.Properties.TopicName]);
    expect(topics.sort()).toEqual([
      ['ScaleDownTopic', `kinesis-autoscaler-scale-down-${stage}`],
      ['ScaleUpTopic', `kinesis-autoscaler-scale-up-${stage}`],
    ]);
    const subs = ofType(t, 'AWS::SNS::Subscription').map(([, r]) => [
      r.Properties.TopicArn,
      r.Properties.Endpoint,
    ]);
    expect(subs).toEqual(
      expect.arrayContaining([
        [{ Ref: 'ScaleUpTopic' }, { 'Fn::GetAtt': ['ScaleUpLambdaFunction', 'Arn'] }],
        [{ Ref: 'ScaleDownTopic' }, { 'Fn::GetAtt': ['ScaleDownLambdaFunction', 'Arn'] }],
      ]),
    );
    const snsPermissions = ofType(t, 'AWS::Lambda::Permission').filter(
      ([, r]) => r.Properties.Principal === 'sns.amazonaws.com',
    );
    expect(snsPermissions).toHaveLength(2);
    expect(t.Outputs.ScaleUpTopicArn).toEqual(
      expect.objectContaining({
        Value: { Ref: 'ScaleUpTopic' },
        Export: { Name: `kinesis-autoscaler-${stage}-ScaleUpTopicArn` },
      }),
    );
    expect(t.Outputs.ScaleDownTopicArn!.Export!.Name).toBe(
      `kinesis-autoscaler-${stage}-ScaleDownTopicArn`,
    );
  });

  it('creates the on-demand scaling log table with the original keys and a TTL', () => {
    const [[, table]] = ofType(templates[stage]!, 'AWS::DynamoDB::Table') as [[string, Resource]];
    expect(table.Properties).toMatchObject({
      TableName: `kinesis-autoscaler-logs-${stage}`,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'stream_name', KeyType: 'HASH' },
        { AttributeName: 'scaling_datetime', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
    });
  });

  it('grants least privilege: no wildcard action, resources scoped where AWS allows', () => {
    const [[, role]] = ofType(templates[stage]!, 'AWS::IAM::Role') as [[string, Resource]];
    const statements = (
      role.Properties.Policies as {
        PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
      }[]
    )
      .flatMap((p) => p.PolicyDocument.Statement)
      .map((s) => ({ ...s, Action: [s.Action].flat() }));
    const actions = statements.flatMap((s) => s.Action);
    expect(actions.some((a) => a.includes('*'))).toBe(false);
    expect(actions).toEqual(
      expect.arrayContaining([
        'kinesis:DescribeStreamSummary',
        'kinesis:ListTagsForStream',
        'kinesis:UpdateShardCount',
        'cloudwatch:DescribeAlarms',
        'cloudwatch:PutMetricAlarm',
        'cloudwatch:SetAlarmState',
        'cloudwatch:GetMetricData',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'sqs:SendMessage',
      ]),
    );
    for (const s of statements) {
      if (s.Resource === '*') expect(s.Action).toEqual(['cloudwatch:GetMetricData']);
    }
    const kinesis = statements.find((s) => s.Action.includes('kinesis:UpdateShardCount'))!;
    expect(kinesis.Resource).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/*',
    });
    const table = statements.find((s) => s.Action.includes('dynamodb:PutItem'))!;
    expect(table.Resource).toEqual({ 'Fn::GetAtt': ['ScalingLogTable', 'Arn'] });
    const queue = statements.find((s) => s.Action.includes('sqs:SendMessage'))!;
    expect(queue.Resource).toEqual({ 'Fn::GetAtt': ['ScalingDeadLetterQueue', 'Arn'] });
  });

  it('writes only to alarms the contract names (scale-up / scale-down)', () => {
    const [[, role]] = ofType(templates[stage]!, 'AWS::IAM::Role') as [[string, Resource]];
    const statements = (
      role.Properties.Policies as {
        PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
      }[]
    ).flatMap((p) => p.PolicyDocument.Statement);
    const alarmArn = (name: string) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${name}`,
    });
    for (const action of [
      'cloudwatch:PutMetricAlarm',
      'cloudwatch:SetAlarmState',
      'cloudwatch:DisableAlarmActions',
    ]) {
      const granting = statements.filter((s) => [s.Action].flat().includes(action));
      expect(granting.map((s) => s.Resource)).toEqual([
        [alarmArn('*scale-up*'), alarmArn('*scale-down*')],
      ]);
    }
  });

  it('ships a minified bundle with source maps that exports both handlers', async () => {
    const zip = await JSZip.loadAsync(await readFile(join(dirs[stage]!, 'kinesis-autoscaler.zip')));
    const files = Object.keys(zip.files).sort();
    expect(files).toEqual(['src/autoscaler/handlers.js', 'src/autoscaler/handlers.js.map']);
    const code = await zip.file('src/autoscaler/handlers.js')!.async('string');
    // Minified: long lines, not one statement a line.
    expect(code.length / code.split('\n').length).toBeGreaterThan(2000);
    expect(code).toMatch(/scaleUp/);
    expect(code).toMatch(/scaleDown/);
  });
});
