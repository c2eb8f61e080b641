import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  dependencyOrder,
  evaluateConditions,
  parseTemplate,
  resolveParameters,
  resolveValue,
  TemplateError,
  type Json,
  type ResolveContext,
  type ResolvedResource,
  type Template,
} from './template.js';

const fixture = () =>
  parseTemplate(
    readFileSync(
      new URL('./fixtures/cloudformation-template-update-stack.json', import.meta.url),
      'utf8',
    ),
  );

const template: Template = parseTemplate({
  Parameters: {
    Stage: { Type: 'String', Default: 'local', AllowedValues: ['local', 'dev'] },
    Names: { Type: 'CommaDelimitedList', Default: 'a,b,c' },
  },
  Conditions: {
    IsLocal: { 'Fn::Equals': [{ Ref: 'Stage' }, 'local'] },
    IsDev: { 'Fn::Not': [{ Condition: 'IsLocal' }] },
    Both: { 'Fn::And': [{ Condition: 'IsLocal' }, { 'Fn::Equals': ['x', 'x'] }] },
    Either: {
      'Fn::Or': [{ Condition: 'IsDev' }, { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] }],
    },
  },
  Resources: { Topic: { Type: 'AWS::SNS::Topic' }, Table: { Type: 'AWS::DynamoDB::Table' } },
});

function context(over: Partial<ResolveContext> = {}): ResolveContext {
  const base = {
    region: 'eu-west-1',
    accountId: '123456789012',
    stackName: 'kinesis-autoscaler-local',
    stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/kinesis-autoscaler-local/id',
    partition: 'aws',
    urlSuffix: 'amazonaws.com',
    parameters: resolveParameters(template),
  };
  return {
    ...base,
    conditions: evaluateConditions(template, base),
    resources: new Map<string, ResolvedResource>([
      [
        'Topic',
        {
          type: 'AWS::SNS::Topic',
          ref: 'arn:aws:sns:eu-west-1:123456789012:up',
          attributes: { TopicArn: 'arn:aws:sns:eu-west-1:123456789012:up', TopicName: 'up' },
        },
      ],
      [
        'Table',
        {
          type: 'AWS::DynamoDB::Table',
          ref: 'logs',
          attributes: { Arn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/logs' },
        },
      ],
    ]),
    imports: { 'other-TopicArn': 'arn:aws:sns:eu-west-1:123456789012:other' },
    ...over,
  };
}

const r = (value: Json, ctx = context()) => resolveValue(value, ctx, 'resource X');

describe('intrinsic functions', () => {
  it('Ref resolves parameters, pseudo parameters and resources', () => {
    expect(r({ Ref: 'Stage' })).toBe('local');
    expect(r({ Ref: 'AWS::Region' })).toBe('eu-west-1');
    expect(r({ Ref: 'AWS::AccountId' })).toBe('123456789012');
    expect(r({ Ref: 'AWS::StackName' })).toBe('kinesis-autoscaler-local');
    expect(r({ Ref: 'AWS::Partition' })).toBe('aws');
    expect(r({ Ref: 'AWS::URLSuffix' })).toBe('amazonaws.com');
    expect(r({ Ref: 'Topic' })).toBe('arn:aws:sns:eu-west-1:123456789012:up');
    expect(r({ A: 1, B: { Ref: 'AWS::NoValue' }, C: ['x', { Ref: 'AWS::NoValue' }] })).toEqual({
      A: 1,
      C: ['x'],
    });
    expect(() => r({ Ref: 'Nope' })).toThrow('resource X: Ref to Nope');
  });

  it('Fn::GetAtt reads the attributes a resource resolved to, in both forms', () => {
    expect(r({ 'Fn::GetAtt': ['Topic', 'TopicName'] })).toBe('up');
    expect(r({ 'Fn::GetAtt': 'Table.Arn' })).toBe(
      'arn:aws:dynamodb:eu-west-1:123456789012:table/logs',
    );
    expect(() => r({ 'Fn::GetAtt': ['Table', 'StreamArn'] })).toThrow(
      /resource X: Fn::GetAtt Table.StreamArn: the emulator does not provide attribute StreamArn of AWS::DynamoDB::Table \(available: Arn\)/,
    );
    expect(() => r({ 'Fn::GetAtt': ['Missing', 'Arn'] })).toThrow(
      /resource Missing does not exist/,
    );
  });

  it('Fn::Sub substitutes refs, attributes, pseudo parameters and its own variables', () => {
    expect(
      r({ 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:x-${Stage}' }),
    ).toBe('arn:aws:logs:eu-west-1:123456789012:x-local');
    expect(r({ 'Fn::Sub': '${Topic} ${Topic.TopicName} ${!Literal}' })).toBe(
      'arn:aws:sns:eu-west-1:123456789012:up up ${Literal}',
    );
    expect(
      r({
        'Fn::Sub': ['${Name}-${AWS::Region}', { Name: { 'Fn::GetAtt': ['Topic', 'TopicName'] } }],
      }),
    ).toBe('up-eu-west-1');
    expect(() => r({ 'Fn::Sub': '${Unknown}' })).toThrow(/Fn::Sub \$\{Unknown\}: Ref to Unknown/);
  });

  it('Fn::Join, Fn::Select and Fn::Split compose', () => {
    expect(r({ 'Fn::Join': ['-', ['a', { Ref: 'Stage' }, 3]] })).toBe('a-local-3');
    expect(r({ 'Fn::Select': [1, { 'Fn::Split': [',', { Ref: 'Names' }] }] })).toBe('b');
    expect(r({ 'Fn::Join': ['', { 'Fn::Split': [':', 'a:b:c'] }] })).toBe('abc');
    expect(() => r({ 'Fn::Select': [5, ['a']] })).toThrow(/index 5 is out of range/);
    expect(() => r({ 'Fn::Join': ['-', 'notalist'] })).toThrow(/Fn::Join: the second argument/);
  });

  it('Fn::If and conditions', () => {
    const ctx = context();
    expect(ctx.conditions).toEqual({ IsLocal: true, IsDev: false, Both: true, Either: true });
    expect(r({ 'Fn::If': ['IsLocal', 'yes', 'no'] })).toBe('yes');
    expect(r({ P: { 'Fn::If': ['IsDev', 'x', { Ref: 'AWS::NoValue' }] } })).toEqual({});
    expect(() => r({ 'Fn::If': ['Nope', 1, 2] })).toThrow(/unknown condition Nope/);
    expect(() =>
      evaluateConditions(
        parseTemplate({ ...template, Conditions: { A: { Condition: 'A' } } }),
        ctx,
      ),
    ).toThrow(/condition A: circular reference/);
  });

  it('Fn::ImportValue reads exports of applied stacks', () => {
    expect(r({ 'Fn::ImportValue': 'other-TopicArn' })).toBe(
      'arn:aws:sns:eu-west-1:123456789012:other',
    );
    expect(
      r(
        { 'Fn::ImportValue': { 'Fn::Sub': 'other-${Topic.TopicName}' } },
        context({
          imports: { 'other-up': 'v' },
        }),
      ),
    ).toBe('v');
    expect(() => r({ 'Fn::ImportValue': 'missing' })).toThrow(/no applied stack exports missing/);
  });

  it('names unsupported intrinsics', () => {
    expect(() => r({ 'Fn::Transform': {} })).toThrow(
      'resource X: intrinsic function Fn::Transform is not supported by the emulator',
    );
  });
});

describe('parameters', () => {
  it('uses defaults, accepts given values and checks AllowedValues', () => {
    expect(resolveParameters(template, { Stage: 'dev' })).toEqual({ Stage: 'dev', Names: 'a,b,c' });
    expect(() => resolveParameters(template, { Stage: 'prod' })).toThrow(/not one of local, dev/);
    expect(() => resolveParameters(template, { Other: 'x' })).toThrow(/Other is not declared/);
  });
});

describe('parseTemplate', () => {
  it('rejects what is not a template', () => {
    expect(() => parseTemplate('Resources: {}')).toThrow(/not valid JSON/);
    expect(() => parseTemplate({})).toThrow(/no Resources/);
    expect(() => parseTemplate({ Resources: { 'Bad-Id': { Type: 'X' } } })).toThrow(/alphanumeric/);
    expect(() => parseTemplate({ Resources: { A: { Properties: {} } } })).toThrow(/string Type/);
  });
});

describe('dependencyOrder', () => {
  it('puts every resource after what it refers to in the Serverless template', () => {
    const t = fixture();
    const order = dependencyOrder(t);
    expect(order).toHaveLength(Object.keys(t.Resources).length);
    const before = (a: string, b: string) =>
      expect(order.indexOf(a)).toBeLessThan(order.indexOf(b));
    before('ScalingLogsTable', 'IamRoleLambdaExecution'); // GetAtt in the policy
    before('ScaleUpTopic', 'IamRoleLambdaExecution'); // Ref in the policy
    before('IamRoleLambdaExecution', 'ScaleUpLambdaFunction'); // GetAtt Role
    before('ScaleUpLogGroup', 'ScaleUpLambdaFunction'); // DependsOn
    before('ServerlessDeploymentBucket', 'ScaleDownLambdaFunction'); // Ref in Code
    before('ScaleUpLambdaFunction', 'ScaleUpSnsSubscriptionKinesisautoscalerscaleuplocal');
    before('ScaleUpTopic', 'ScaleUpSnsSubscriptionKinesisautoscalerscaleuplocal');
    before('ScaleDownLambdaFunction', 'ScaleDownLambdaVersionP8vN2mXcQ4wRtY6uIoLkJhGfDsA1zB3eC5');
  });

  it('follows references inside Fn::Sub strings, but not to Sub variables or parameters', () => {
    const order = dependencyOrder(
      parseTemplate({
        Parameters: { P: { Type: 'String', Default: 'x' } },
        Resources: {
          B: {
            Type: 'AWS::SNS::Topic',
            Properties: { TopicName: { 'Fn::Sub': ['${A.TopicName}-${V}-${P}', { V: 'v' }] } },
          },
          A: { Type: 'AWS::SNS::Topic' },
        },
      }),
    );
    expect(order).toEqual(['A', 'B']);
  });

  it('reports cycles with the resources involved', () => {
    const t = parseTemplate({
      Resources: {
        A: { Type: 'AWS::SNS::Topic', Properties: { X: { Ref: 'B' } } },
        B: { Type: 'AWS::SNS::Topic', Properties: { X: { 'Fn::GetAtt': ['C', 'Arn'] } } },
        C: { Type: 'AWS::SNS::Topic', DependsOn: 'A' },
      },
    });
    expect(() => dependencyOrder(t)).toThrow(
      new TemplateError('circular dependency between resources: A -> B -> C -> A'),
    );
  });

  it('reports references to resources that do not exist', () => {
    expect(() =>
      dependencyOrder(
        parseTemplate({ Resources: { A: { Type: 'T', Properties: { X: { Ref: 'Ghost' } } } } }),
      ),
    ).toThrow(/resource A: refers to Ghost/);
    expect(() =>
      dependencyOrder(parseTemplate({ Resources: { A: { Type: 'T', DependsOn: ['Ghost'] } } })),
    ).toThrow('resource A: DependsOn unknown resource Ghost');
  });
});
