/**
 * The AWS sample's rules (aws-samples/kinesis-auto-scaling), kept pure: aws-facts.md, "The AWS
 * sample (double-halve), exactly". Its alarms are built here too, since the sample rewrites them
 * whole after every scaling rather than patching a constant.
 */
import type { PutMetricAlarmInput } from '@aws-sdk/client-cloudwatch';
import type { Direction } from '../../autoscaler/alarm-contract.js';

export const DOUBLE_HALVE_PERIOD_MINUTES = 5;
export const DOUBLE_HALVE_UP = { threshold: 0.75, evaluationPeriods: 5, datapointsToAlarm: 5 };
export const DOUBLE_HALVE_DOWN = { threshold: 0.25, evaluationPeriods: 60, datapointsToAlarm: 57 };
/** A scale-down threshold no usage can cross: the sample's way to silence the alarm at one shard. */
export const NEVER = -1;

/**
 * Up: n x 2. Down: n / 2 in integer division, at least 1 (so 3 -> 1, which Kinesis refuses as below
 * half). At a target of one shard the scale-down threshold becomes -1.
 */
export function doubleHalveTarget(
  direction: Direction,
  n: number,
): { target: number; downThreshold: number } {
  if (direction === 'up') return { target: n * 2, downThreshold: DOUBLE_HALVE_DOWN.threshold };
  const target = Math.max(1, Math.floor(n / 2));
  return { target, downThreshold: target <= 1 ? NEVER : DOUBLE_HALVE_DOWN.threshold };
}

export function doubleHalveAlarmNames(stream: string): Record<Direction, string> {
  return { up: `${stream}-scale-up`, down: `${stream}-scale-down` };
}

/** One of the sample's two alarms for `shards` open shards. */
export function doubleHalveAlarm(input: {
  stream: string;
  direction: Direction;
  shards: number;
  topicArn: string;
  downThreshold?: number;
}): PutMetricAlarmInput {
  const p = DOUBLE_HALVE_PERIOD_MINUTES;
  const stat = (id: string, name: string) => ({
    Id: id,
    Label: name,
    ReturnData: false,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Kinesis',
        MetricName: name,
        Dimensions: [{ Name: 'StreamName', Value: input.stream }],
      },
      Period: 60 * p,
      Stat: 'Sum',
    },
  });
  const up = input.direction === 'up';
  const settings = up ? DOUBLE_HALVE_UP : DOUBLE_HALVE_DOWN;
  // The sample's scale-down alarm also reads the iterator age (a backlog blocks scale-downs); the
  // simulated stream has no consumers, so that term is always 0 and is left out.
  return {
    AlarmName: doubleHalveAlarmNames(input.stream)[input.direction],
    AlarmDescription: 'Alarm to scale Kinesis stream',
    ActionsEnabled: true,
    AlarmActions: [input.topicArn],
    EvaluationPeriods: settings.evaluationPeriods,
    DatapointsToAlarm: settings.datapointsToAlarm,
    Threshold: up
      ? DOUBLE_HALVE_UP.threshold
      : (input.downThreshold ?? DOUBLE_HALVE_DOWN.threshold),
    ComparisonOperator: up ? 'GreaterThanOrEqualToThreshold' : 'LessThanThreshold',
    TreatMissingData: 'ignore',
    Metrics: [
      stat('m1', 'IncomingBytes'),
      stat('m2', 'IncomingRecords'),
      { Id: 'e1', Expression: 'FILL(m1,0)', ReturnData: false },
      { Id: 'e2', Expression: 'FILL(m2,0)', ReturnData: false },
      { Id: 'e3', Expression: `e1/(1024*1024*60*${p}*s1)`, ReturnData: false },
      { Id: 'e4', Expression: `e2/(1000*60*${p}*s1)`, ReturnData: false },
      { Id: 'e6', Expression: 'MAX([e3,e4])', ReturnData: true },
      { Id: 's1', Expression: String(input.shards), Label: 'ShardCount', ReturnData: false },
    ],
  };
}
