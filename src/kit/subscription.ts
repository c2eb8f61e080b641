import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  type CloudWatchClient,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { AddTagsToStreamCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import {
  alarmNames,
  buildAlarmPair,
  DEFAULT_SCALE_DOWN_ALARM,
  DEFAULT_SCALE_UP_ALARM,
  type AlarmSettings,
  type Direction,
} from '../autoscaler/alarm-contract.js';
import { streamConfig, DEFAULT_SCALING, TAGS, type ScalingConfig } from '../autoscaler/config.js';
import { EXIT, KitError } from './errors.js';
import type { AutoscalerStack } from './stack.js';
import { describeStream } from './streams.js';

export interface SubscribeInput {
  stream: string;
  stack: AutoscalerStack;
  /** Per-stream overrides, written as stream tags the Lambda reads. */
  overrides?: Partial<ScalingConfig>;
  scaleUp?: Partial<AlarmSettings>;
  scaleDown?: Partial<AlarmSettings>;
}

export interface Subscription {
  stream: string;
  shards: number;
  alarms: Record<Direction, string>;
  tags: Record<string, string>;
  scaleDownActionsEnabled: boolean;
}

/**
 * Creates or updates the stream's two alarms (idempotent: PutMetricAlarm overwrites and keeps the
 * state) for the stream's current open shard count, and writes the overrides as tags.
 */
export async function subscribe(
  clients: { kinesis: KinesisClient; cloudwatch: CloudWatchClient },
  input: SubscribeInput,
): Promise<Subscription> {
  checkThresholds(input);
  const summary = await describeStream(clients.kinesis, input.stream);
  if (summary.StreamModeDetails?.StreamMode === 'ON_DEMAND') {
    throw new KitError(
      `stream ${input.stream} is in on-demand mode; only provisioned streams can be autoscaled`,
    );
  }
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.overrides ?? {})) {
    if (value !== undefined) tags[TAGS[key as keyof ScalingConfig]] = String(value);
  }
  // Validates the overrides exactly as the Lambda will read them.
  const config = streamConfig(DEFAULT_SCALING, tags);
  if (Object.keys(tags).length > 0) {
    await clients.kinesis.send(
      new AddTagsToStreamCommand({ StreamName: input.stream, Tags: tags }),
    );
  }
  const shards = summary.OpenShardCount ?? 1;
  const scaleDownActionsEnabled = shards > config.minShards;
  const pair = buildAlarmPair({
    streamName: input.stream,
    shardCount: shards,
    scaleUpTopicArn: input.stack.scaleUpTopicArn,
    scaleDownTopicArn: input.stack.scaleDownTopicArn,
    scaleUp: input.scaleUp ?? {},
    scaleDown: input.scaleDown ?? {},
    scaleDownActionsEnabled,
  });
  await clients.cloudwatch.send(new PutMetricAlarmCommand(pair.up));
  await clients.cloudwatch.send(new PutMetricAlarmCommand(pair.down));
  return {
    stream: input.stream,
    shards,
    alarms: alarmNames(input.stream),
    tags,
    scaleDownActionsEnabled,
  };
}

/**
 * A scale-down threshold at or above the scale-up one would leave a band of usage where both alarms
 * fire, and the stream would flap between scaling up and down.
 */
export function checkThresholds(input: Pick<SubscribeInput, 'scaleUp' | 'scaleDown'>): void {
  const up = input.scaleUp?.threshold ?? DEFAULT_SCALE_UP_ALARM.threshold;
  const down = input.scaleDown?.threshold ?? DEFAULT_SCALE_DOWN_ALARM.threshold;
  if (down >= up) {
    throw new KitError(
      `the scale-down threshold (${down}) must be below the scale-up threshold (${up}), or both alarms fire at the same usage`,
      EXIT.usage,
    );
  }
}

export async function unsubscribe(cloudwatch: CloudWatchClient, stream: string): Promise<string[]> {
  const names = Object.values(alarmNames(stream));
  const existing = await describeAlarms(cloudwatch, stream);
  if (existing.length === 0)
    throw new KitError(
      `stream ${stream} is not subscribed: alarms ${names.join(', ')} do not exist`,
    );
  await cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: names }));
  return names.filter((n) => existing.some((a) => a.AlarmName === n));
}

export async function describeAlarms(
  cloudwatch: CloudWatchClient,
  stream: string,
): Promise<MetricAlarm[]> {
  const out = await cloudwatch.send(
    new DescribeAlarmsCommand({ AlarmNames: Object.values(alarmNames(stream)) }),
  );
  return out.MetricAlarms ?? [];
}

/**
 * Puts the alarm into ALARM so CloudWatch publishes to the topic. An alarm already in ALARM would
 * publish nothing, so it is reset to INSUFFICIENT_DATA first.
 */
export async function fire(
  cloudwatch: CloudWatchClient,
  stream: string,
  direction: Direction,
): Promise<string> {
  const name = alarmNames(stream)[direction];
  const [alarm] =
    (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms ?? [];
  if (!alarm)
    throw new KitError(`alarm ${name} does not exist: run \`kas subscribe ${stream}\` first`);
  if (alarm.StateValue === 'ALARM') {
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: name,
        StateValue: 'INSUFFICIENT_DATA',
        StateReason: 'kas fire: reset',
      }),
    );
  }
  await cloudwatch.send(
    new SetAlarmStateCommand({
      AlarmName: name,
      StateValue: 'ALARM',
      StateReason: `kas fire ${direction}`,
    }),
  );
  return name;
}
