import {
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  type CloudWatchClient,
  type MetricAlarm,
  type PutMetricAlarmInput,
} from '@aws-sdk/client-cloudwatch';
import {
  buildAlarmPair,
  readAlarmContract,
  rewriteAlarm,
  siblingAlarmName,
  type AlarmContract,
  type Direction,
} from './alarm-contract.js';
import { InputError } from './errors.js';

/**
 * The autoscaler's reads and writes of a stream's alarm pair, shared by the scaling functions and
 * the reconciler.
 */

export const REARM_STATE = 'INSUFFICIENT_DATA';

export interface AlarmPair {
  self: MetricAlarm;
  sibling: MetricAlarm | undefined;
}

/** The live alarm and its sibling; the alarm itself must exist. */
export async function describePair(
  cloudwatch: CloudWatchClient,
  alarmName: string,
): Promise<AlarmPair> {
  const siblingName = siblingAlarmName(alarmName);
  const out = await cloudwatch.send(
    new DescribeAlarmsCommand({
      AlarmNames: [alarmName, siblingName],
      AlarmTypes: ['MetricAlarm'],
    }),
  );
  const alarms = out.MetricAlarms ?? [];
  const self = alarms.find((a) => a.AlarmName === alarmName);
  if (!self) throw new InputError(`alarm ${alarmName} does not exist (deleted after it fired?)`);
  return { self, sibling: alarms.find((a) => a.AlarmName === siblingName) };
}

/**
 * When the alarm last changed state, from CloudWatch. StateTransitionedTimestamp is that instant;
 * StateUpdatedTimestamp also moves when only the state reason is updated, so it is the fallback
 * for older responses that lack the first.
 */
export function liveStateTime(alarm: MetricAlarm): number | undefined {
  const t = alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp;
  return t ? new Date(t).getTime() : undefined;
}

/** Where a recreated alarm publishes: the stack's topic, else the sibling's topic renamed. */
function topicFor(
  direction: Direction,
  from: MetricAlarm,
  topics: Partial<Record<Direction, string>>,
): string | undefined {
  if (topics[direction]) return topics[direction];
  const other = direction === 'up' ? 'down' : 'up';
  const arn = from.AlarmActions?.find((a) => a.includes(`scale-${other}`));
  return arn?.replace(`scale-${other}`, `scale-${direction}`);
}

/**
 * The request that recreates a deleted sibling with the autoscaler's default settings, named as
 * the contract names it. Undefined when no topic can be found for it.
 */
export function recreatedSibling(
  self: MetricAlarm,
  contract: AlarmContract,
  shards: number,
  topics: Partial<Record<Direction, string>>,
): PutMetricAlarmInput | undefined {
  const direction: Direction = contract.direction === 'up' ? 'down' : 'up';
  const topic = topicFor(direction, self, topics);
  if (!topic) return undefined;
  const pair = buildAlarmPair({
    streamName: contract.streamName,
    shardCount: shards,
    scaleUpTopicArn: topic,
    scaleDownTopicArn: topic,
  });
  return { ...pair[direction], AlarmName: siblingAlarmName(contract.alarmName) };
}

export interface RewriteResult {
  rewritten: string[];
  /** The sibling that was missing and has been recreated. */
  recreated?: string;
}

/**
 * Rewrites both alarms for `shards` (recreating a deleted sibling) and re-arms them, so each fires
 * afresh on the new capacity. The scale-down alarm's actions are on only above min shards.
 */
export async function rewritePair(
  cloudwatch: CloudWatchClient,
  pair: AlarmPair,
  shards: number,
  opts: { minShards: number; topics: Partial<Record<Direction, string>> },
): Promise<RewriteResult> {
  const requests: PutMetricAlarmInput[] = [];
  const result: RewriteResult = { rewritten: [] };
  const selfContract = readAlarmContract(pair.self);
  for (const alarm of [pair.self, pair.sibling]) {
    if (!alarm) continue;
    const contract = readAlarmContract(alarm);
    const actionsEnabled =
      contract.direction === 'down' ? shards > opts.minShards : alarm.ActionsEnabled;
    requests.push(rewriteAlarm(alarm, shards, actionsEnabled));
  }
  if (!pair.sibling) {
    const sibling = recreatedSibling(pair.self, selfContract, shards, opts.topics);
    if (sibling) {
      if (selfContract.direction === 'up') sibling.ActionsEnabled = shards > opts.minShards;
      requests.push(sibling);
      result.recreated = sibling.AlarmName!;
    }
  }
  for (const request of requests) {
    await cloudwatch.send(new PutMetricAlarmCommand(request));
    result.rewritten.push(request.AlarmName!);
  }
  await rearm(cloudwatch, result.rewritten, `alarms rewritten for ${shards} shards`);
  return result;
}

/** Whether the pair's alarms need rewriting for `shards` open shards, and why (a missing sibling is not counted). */
export function pairProblem(
  pair: AlarmPair,
  shards: number,
  minShards: number,
): string | undefined {
  const problems: string[] = [];
  for (const alarm of [pair.self, pair.sibling]) {
    if (!alarm) continue;
    const c = readAlarmContract(alarm);
    if (c.shardCount !== shards)
      problems.push(`${c.alarmName} assumes ${c.shardCount} shards, the stream has ${shards}`);
    if (c.direction === 'down' && alarm.ActionsEnabled === false && shards > minShards)
      problems.push(`${c.alarmName} has its actions disabled above min shards (${minShards})`);
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}

export function missingSibling(pair: AlarmPair): string | undefined {
  return pair.sibling ? undefined : `${siblingAlarmName(pair.self.AlarmName!)} is missing`;
}

/** Sets the alarms to INSUFFICIENT_DATA so that they notify again if their condition holds. */
export async function rearm(
  cloudwatch: CloudWatchClient,
  alarmNames: string[],
  why: string,
): Promise<void> {
  for (const name of alarmNames) {
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: name,
        StateValue: REARM_STATE,
        StateReason: `kinesis-autoscaler: ${why}`,
      }),
    );
  }
}
