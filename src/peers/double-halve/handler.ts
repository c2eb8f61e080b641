/**
 * The AWS sample (aws-samples/kinesis-auto-scaling, in Go) as a Lambda of its own, written from
 * aws-facts.md ("The AWS sample (double-halve), exactly"). What makes it the sample, and not ours:
 * - x2 / integer /2, with no metrics read;
 * - it never raises: a refused UpdateShardCount (ResourceInUse, below half, the daily quota) sets
 *   the alarm to OK, so the alarm fires again once its condition is seen anew;
 * - its stale-event guard: a `LastScaledTimestamp` tag on the alarms; a state change not newer than
 *   it resets the alarm to INSUFFICIENT_DATA and does nothing else;
 * - it rewrites both alarms whole for the new count, with the scale-down threshold -1 at one shard.
 * The sample stamps the tag with the function's wall clock; inside the emulator that is not the
 * simulated clock, so the SNS delivery time stands in for it (the same instant, give or take the
 * invocation's duration).
 */
import {
  CloudWatchClient,
  ListTagsForResourceCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  TagResourceCommand,
  DescribeAlarmsCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import type { Direction } from '../../autoscaler/alarm-contract.js';
import { errorName } from '../../autoscaler/errors.js';
import type { Outcome } from '../../autoscaler/scaler.js';
import { clientConfig } from '../../aws/clients.js';
import { doubleHalveAlarm, doubleHalveAlarmNames, doubleHalveTarget } from './decide.js';

interface SnsRecord {
  Sns: { MessageId?: string; Message: string; TopicArn: string; Timestamp?: string };
}

interface AlarmMessage {
  AlarmName: string;
  AlarmArn: string;
  NewStateValue: string;
  StateChangeTime: string;
  Trigger?: {
    Metrics?: {
      Id?: string;
      MetricStat?: { Metric?: { Dimensions?: { name?: string; value?: string }[] } };
    }[];
  };
}

let clients: { kinesis: KinesisClient; cloudwatch: CloudWatchClient } | undefined;
function aws() {
  clients ??= {
    kinesis: new KinesisClient(clientConfig()),
    cloudwatch: new CloudWatchClient(clientConfig()),
  };
  return clients;
}

const parseTime = (t: string) => Date.parse(t.replace(/\+0000$/, 'Z'));

/** The sample reads only the first record of the event. */
export async function handler(event: { Records?: SnsRecord[] }): Promise<Outcome[]> {
  const record = event.Records?.[0];
  if (!record) return [];
  return [await handleRecord(record)];
}

async function handleRecord(record: SnsRecord): Promise<Outcome> {
  const { kinesis, cloudwatch } = aws();
  const message = JSON.parse(record.Sns.Message) as AlarmMessage;
  const alarmName = message.AlarmName;
  const base = { messageId: record.Sns.MessageId, alarmName };
  const setState = (state: 'OK' | 'INSUFFICIENT_DATA', why: string) =>
    cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: state, StateReason: why }),
    );

  const direction: Direction | undefined = alarmName.endsWith('-scale-up')
    ? 'up'
    : alarmName.endsWith('-scale-down')
      ? 'down'
      : undefined;
  if (!direction) {
    await setState('OK', 'alarm name must end in -scale-up or -scale-down');
    return { ...base, outcome: 'rejected', detail: 'alarm name has no -scale-up/-scale-down' };
  }
  const tags = await cloudwatch.send(
    new ListTagsForResourceCommand({ ResourceARN: message.AlarmArn }),
  );
  const lastScaled = tags.Tags?.find((t) => t.Key === 'LastScaledTimestamp')?.Value;
  if (lastScaled && parseTime(message.StateChangeTime) <= parseTime(lastScaled)) {
    await setState('INSUFFICIENT_DATA', 'stale scaling event');
    return {
      ...base,
      outcome: 'stale',
      detail: `not newer than the last scaling at ${lastScaled}`,
    };
  }
  const m = message.Trigger?.Metrics?.find((q) => q.Id === 'm1' || q.Id === 'm2');
  const stream = m?.MetricStat?.Metric?.Dimensions?.at(-1)?.value ?? '';
  const withStream = { ...base, streamName: stream };

  let n: number;
  try {
    n =
      (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream })))
        .StreamDescriptionSummary?.OpenShardCount ?? 0;
  } catch (err) {
    await setState('OK', `DescribeStreamSummary: ${errorName(err)}`);
    return {
      ...withStream,
      outcome: 'rejected',
      detail: `DescribeStreamSummary: ${errorName(err)}`,
    };
  }
  const { target, downThreshold } = doubleHalveTarget(direction, n);
  try {
    await kinesis.send(
      new UpdateShardCountCommand({
        StreamName: stream,
        TargetShardCount: target,
        ScalingType: 'UNIFORM_SCALING',
      }),
    );
  } catch (err) {
    // ResourceInUse and every other refusal alike: OK, so the alarm can fire again.
    await setState('OK', `UpdateShardCount: ${errorName(err)}`);
    return {
      ...withStream,
      shardCount: n,
      outcome: 'no-change',
      detail: `UpdateShardCount ${n} -> ${target} refused (${errorName(err)}); alarm set to OK`,
    };
  }
  const stamp = (record.Sns.Timestamp ?? message.StateChangeTime).replace(/Z$/, '+0000');
  const topic = record.Sns.TopicArn;
  const names = doubleHalveAlarmNames(stream);
  for (const d of ['up', 'down'] as const) {
    await cloudwatch.send(
      new PutMetricAlarmCommand(
        doubleHalveAlarm({ stream, direction: d, shards: target, topicArn: topic, downThreshold }),
      ),
    );
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: names[d],
        StateValue: 'INSUFFICIENT_DATA',
        StateReason: 'Metric math and threshold value update',
      }),
    );
  }
  const arns = await cloudwatch.send(
    new DescribeAlarmsCommand({ AlarmNames: [names.up, names.down] }),
  );
  for (const a of arns.MetricAlarms ?? []) {
    await cloudwatch.send(
      new TagResourceCommand({
        ResourceARN: a.AlarmArn,
        Tags: [{ Key: 'LastScaledTimestamp', Value: stamp }],
      }),
    );
  }
  return {
    ...withStream,
    shardCount: n,
    outcome: 'scaled',
    targetShardCount: target,
    detail: `double-halve ${direction}: ${n} -> ${target}`,
  };
}
