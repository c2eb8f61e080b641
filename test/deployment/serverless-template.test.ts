import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import JSZip from 'jszip';
import { beforeAll, describe, expect, it } from 'vitest';
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

describe.each(['dev', 'local'])('sls package --stage %s', (stage) => {
  it('creates both functions on nodejs22.x, bundled, with the service settings', () => {
    const fns = Object.fromEntries(ofType(templates[stage]!, 'AWS::Lambda::Function'));
    expect(Object.keys(fns).sort()).toEqual(['ScaleDownLambdaFunction', 'ScaleUpLambdaFunction']);
    for (const [name, handler] of [
      ['ScaleUpLambdaFunction', 'src/autoscaler/handlers.scaleUp'],
      ['ScaleDownLambdaFunction', 'src/autoscaler/handlers.scaleDown'],
    ] as const) {
      const p = fns[name]!.Properties;
      expect(p.Runtime).toBe('nodejs22.x');
      expect(p.Handler).toBe(handler);
      expect((p.Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
        SCALING_LOG_TABLE: `kinesis-autoscaler-logs-${stage}`,
        SCALING_LOG_TTL_DAYS: '14',
        SCALING_POLICY: 'ours',
        MIN_SHARDS: '1',
        TARGET_UTILIZATION: '0.5',
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
    expect(ofType(t, 'AWS::Lambda::Permission')).toHaveLength(2);
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
        PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] };
      }[]
    ).flatMap((p) => p.PolicyDocument.Statement);
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
        'dynamodb:DeleteItem',
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
