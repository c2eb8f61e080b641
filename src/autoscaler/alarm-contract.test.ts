import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import {
  buildAlarmPair,
  directionOfAlarm,
  readAlarmContract,
  rewriteAlarm,
  siblingAlarmName,
  SHARD_COUNT_QUERY_ID,
} from './alarm-contract.js';

const pair = buildAlarmPair({
  streamName: 'orders',
  shardCount: 4,
  scaleUpTopicArn: 'arn:aws:sns:us-east-1:000000000000:up',
  scaleDownTopicArn: 'arn:aws:sns:us-east-1:000000000000:down',
});

/** What DescribeAlarms returns for an alarm created from `input` (plus read-only fields). */
const described = (input: typeof pair.up): MetricAlarm => ({
  ...input,
  AlarmArn: `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${input.AlarmName}`,
  StateValue: 'OK',
  StateReason: 'fine',
  AlarmConfigurationUpdatedTimestamp: new Date(0),
  OKActions: ['arn:aws:sns:us-east-1:000000000000:ops'],
  InsufficientDataActions: [],
});

describe('alarm names', () => {
  it.each`
    name                             | direction | sibling
    ${'x-scale-up'}                  | ${'up'}   | ${'x-scale-down'}
    ${'orders-scale-down-alarm'}     | ${'down'} | ${'orders-scale-up-alarm'}
    ${'scale-up-of-scale-down-team'} | ${'down'} | ${'scale-up-of-scale-up-team'}
  `('$name is $direction and pairs with $sibling', ({ name, direction, sibling }) => {
    expect(directionOfAlarm(name)).toBe(direction);
    expect(siblingAlarmName(name)).toBe(sibling);
    expect(siblingAlarmName(sibling)).toBe(name);
  });
  it('refuses names outside the contract', () => {
    expect(directionOfAlarm('orders-high')).toBeUndefined();
    expect(() => siblingAlarmName('orders-high')).toThrow(
      /must contain "scale-up" or "scale-down"/,
    );
  });
});

describe('readAlarmContract', () => {
  it('reads stream, direction and shard count from the alarms we build', () => {
    expect(readAlarmContract(described(pair.up))).toEqual({
      alarmName: 'kinesis-autoscaler-orders-scale-up',
      direction: 'up',
      streamName: 'orders',
      shardCount: 4,
    });
    expect(readAlarmContract(described(pair.down)).direction).toBe('down');
  });
  it('explains what is missing', () => {
    const noConst = {
      ...described(pair.up),
      Metrics: pair.up.Metrics!.filter((q) => q.Id !== SHARD_COUNT_QUERY_ID),
    };
    expect(() => readAlarmContract(noConst)).toThrow(/no query with id "shardCount"/);
    const badConst = {
      ...described(pair.up),
      Metrics: pair.up.Metrics!.map((q) =>
        q.Id === SHARD_COUNT_QUERY_ID ? { ...q, Expression: 'm1*2' } : q,
      ),
    };
    expect(() => readAlarmContract(badConst)).toThrow(
      /must be a positive whole number, found "m1\*2"/,
    );
    const noStream = {
      ...described(pair.up),
      Metrics: pair.up.Metrics!.filter((q) => !q.MetricStat),
    };
    expect(() => readAlarmContract(noStream)).toThrow(/StreamName dimension/);
    const single: MetricAlarm = {
      AlarmName: 'a-scale-up',
      MetricName: 'IncomingBytes',
      Namespace: 'AWS/Kinesis',
    };
    expect(() => readAlarmContract(single)).toThrow(/not a metric-math alarm/);
  });
});

describe('rewriteAlarm', () => {
  it('copies every PutMetricAlarm field and changes only the shard count', () => {
    const alarm = described(pair.down);
    const input = rewriteAlarm(alarm, 9);
    const {
      AlarmArn: _a,
      StateValue: _s,
      StateReason: _r,
      AlarmConfigurationUpdatedTimestamp: _t,
      ...writable
    } = alarm;
    expect(input).toEqual({
      ...writable,
      Metrics: alarm.Metrics!.map((q) =>
        q.Id === SHARD_COUNT_QUERY_ID ? { ...q, Expression: '9' } : q,
      ),
    });
    expect(rewriteAlarm(alarm, 9, false).ActionsEnabled).toBe(false);
  });
});

describe('buildAlarmPair', () => {
  it('builds the usage math over bytes and records with the shardCount constant', () => {
    const exprs = Object.fromEntries(
      pair.up.Metrics!.map((q) => [q.Id, q.Expression ?? q.MetricStat?.Metric?.MetricName]),
    );
    expect(exprs).toEqual({
      m1: 'IncomingBytes',
      m2: 'IncomingRecords',
      shardCount: '4',
      e1: 'FILL(m1,0)',
      e2: 'FILL(m2,0)',
      e3: 'e1/(1048576*60*shardCount)',
      e4: 'e2/(1000*60*shardCount)',
      m3: 'WriteProvisionedThroughputExceeded',
      e5: 'FILL(m3,0)',
      e6: 'IF(e5 > 0.001*(e2+e5), 1, 0)',
      usage: 'MAX([e3,e4,e6])',
    });
    expect(pair.up.Metrics!.filter((q) => q.ReturnData)).toHaveLength(1);
    // The scale-down alarm watches usage only: throttling holds scale-downs in the policy.
    expect(pair.down.Metrics!.find((q) => q.Id === 'usage')!.Expression).toBe('MAX([e3,e4])');
    expect(pair.down.ComparisonOperator).toBe('LessThanThreshold');
    expect(pair.down.Metrics!.find((q) => q.Id === 'e3')!.Expression).toBe(
      'e1/(1048576*300*shardCount)',
    );
  });
});
