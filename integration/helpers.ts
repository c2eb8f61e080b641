import {
  DeleteAlarmsCommand,
  DisableAlarmActionsCommand,
  EnableAlarmActionsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { DeleteStreamCommand } from '@aws-sdk/client-kinesis';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import {
  alarmNames,
  readAlarmContract,
  rewriteAlarm,
  type Direction,
} from '../src/autoscaler/alarm-contract.js';
import type { ScalingConfig } from '../src/autoscaler/config.js';
import type { ReconcileReport } from '../src/autoscaler/reconciler.js';
import type { Outcome } from '../src/autoscaler/scaler.js';
import type { ScalingLogEntry } from '../src/autoscaler/scaling-log.js';
import { readScalingLog } from '../src/kit/scaling-log.js';
import { createStream, describeStream, waitForStream } from '../src/kit/streams.js';
import { describeAlarms, subscribe } from '../src/kit/subscription.js';
import type { E2ETarget } from './target.js';

/** Creates a provisioned stream, waits for ACTIVE and subscribes it with the given overrides. */
export async function subscribedStream(
  t: E2ETarget,
  base: string,
  shards: number,
  overrides: Partial<ScalingConfig> = {},
): Promise<string> {
  const name = t.uniqueName(base);
  await createStream(t.clients.kinesis, { name, shards });
  await waitForStream(t.clients.kinesis, name, {
    timeoutMs: t.reshardTimeoutMs,
    pollMs: 1000,
    sleep: t.sleep,
    now: t.now,
  });
  await subscribe(t.clients, { stream: name, stack: t.stack, overrides });
  return name;
}

export async function removeStream(t: E2ETarget, name: string): Promise<void> {
  await t.clients.cloudwatch
    .send(new DeleteAlarmsCommand({ AlarmNames: Object.values(alarmNames(name)) }))
    .catch(() => undefined);
  await t.clients.kinesis
    .send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }))
    .catch(() => undefined);
}

export async function waitShards(t: E2ETarget, name: string, shards: number): Promise<void> {
  await waitForStream(t.clients.kinesis, name, {
    shards,
    timeoutMs: t.reshardTimeoutMs,
    pollMs: 1000,
    sleep: t.sleep,
    now: t.now,
  });
}

export async function openShards(t: E2ETarget, name: string): Promise<number> {
  return (await describeStream(t.clients.kinesis, name)).OpenShardCount ?? 0;
}

export async function scalingLog(t: E2ETarget, name: string): Promise<ScalingLogEntry[]> {
  return readScalingLog(t.clients.dynamodb, t.stack.logTable, name);
}

/** The shard count each alarm's math assumes, by direction. */
export async function alarmShardCounts(
  t: E2ETarget,
  name: string,
): Promise<Partial<Record<Direction, number>>> {
  const out: Partial<Record<Direction, number>> = {};
  for (const alarm of await describeAlarms(t.clients.cloudwatch, name)) {
    const c = readAlarmContract(alarm);
    out[c.direction] = c.shardCount;
  }
  return out;
}

export async function alarmState(t: E2ETarget, name: string, direction: Direction) {
  const alarms = await describeAlarms(t.clients.cloudwatch, name);
  return alarms.find((a) => a.AlarmName === alarmNames(name)[direction]);
}

/** Rewrites the alarm's shardCount constant, as a stale or hand-edited alarm would have it. */
export async function corruptShardCount(
  t: E2ETarget,
  name: string,
  direction: Direction,
  shards: number,
): Promise<void> {
  const alarm = await alarmState(t, name, direction);
  if (!alarm) throw new Error(`no ${direction} alarm for ${name}`);
  await t.clients.cloudwatch.send(new PutMetricAlarmCommand(rewriteAlarm(alarm, shards)));
}

/** Polls `check` until it returns true, in the target's time. */
export async function eventually(
  t: E2ETarget,
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = t.reshardTimeoutMs,
): Promise<void> {
  const deadline = t.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (t.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await t.sleep(1000);
  }
}

/** An SNS event carrying a CloudWatch ALARM message for the stream's alarm, as AWS sends it. */
export function alarmEvent(
  t: E2ETarget,
  stream: string,
  direction: Direction,
  messageId: string,
  at: number,
) {
  const name = alarmNames(stream)[direction];
  const topic = direction === 'up' ? t.stack.scaleUpTopicArn : t.stack.scaleDownTopicArn;
  const stamp = new Date(at).toISOString().replace('Z', '+0000');
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topic}:e2e`,
        Sns: {
          Type: 'Notification',
          MessageId: messageId,
          TopicArn: topic,
          Subject: `ALARM: "${name}"`,
          Message: JSON.stringify({
            AlarmName: name,
            AlarmDescription: null,
            NewStateValue: 'ALARM',
            OldStateValue: 'INSUFFICIENT_DATA',
            NewStateReason: 'e2e',
            StateChangeTime: stamp,
            Region: 'US East (N. Virginia)',
            AlarmArn: `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${name}`,
          }),
          Timestamp: new Date(at).toISOString(),
          SignatureVersion: '1',
          Signature: 'e2e',
          SigningCertUrl: 'https://example.invalid/cert.pem',
          UnsubscribeUrl: 'https://example.invalid/unsubscribe',
          MessageAttributes: {},
        },
      },
    ],
  };
}

/**
 * Puts the stream's alarm in ALARM without running its actions, and returns the SNS event that
 * CloudWatch would have sent for that state change: the scaling functions act only on an alarm that
 * is in ALARM now, so a hand-made event must match the live alarm.
 */
export async function armedEvent(
  t: E2ETarget,
  stream: string,
  direction: Direction,
  messageId: string,
) {
  const name = alarmNames(stream)[direction];
  const before = await alarmState(t, stream, direction);
  await t.clients.cloudwatch.send(new DisableAlarmActionsCommand({ AlarmNames: [name] }));
  await t.clients.cloudwatch.send(
    new SetAlarmStateCommand({ AlarmName: name, StateValue: 'ALARM', StateReason: 'e2e' }),
  );
  if (before?.ActionsEnabled !== false) {
    await t.clients.cloudwatch.send(new EnableAlarmActionsCommand({ AlarmNames: [name] }));
  }
  const live = await alarmState(t, stream, direction);
  const at = live?.StateTransitionedTimestamp ?? live?.StateUpdatedTimestamp;
  return alarmEvent(t, stream, direction, messageId, at ? at.getTime() : t.now());
}

/** Invokes a scaling function synchronously with `event` and returns its outcomes. */
export async function invokeScaler(
  t: E2ETarget,
  direction: Direction,
  event: unknown,
): Promise<Outcome[]> {
  const out = await t.lambda.send(
    new InvokeCommand({
      FunctionName: t.functionName(direction),
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(event)),
    }),
  );
  const text = new TextDecoder().decode(out.Payload);
  if (out.FunctionError) throw new Error(`scaling function failed: ${text}`);
  return JSON.parse(text) as Outcome[];
}

/** Invokes the reconciler synchronously (as its schedule would) and returns its report. */
export async function invokeReconciler(t: E2ETarget): Promise<ReconcileReport> {
  const out = await t.lambda.send(
    new InvokeCommand({
      FunctionName: t.functionName('up').replace(/scaleUp$/, 'reconcile'),
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify({ source: 'aws.events' })),
    }),
  );
  const text = new TextDecoder().decode(out.Payload);
  if (out.FunctionError) throw new Error(`reconciler failed: ${text}`);
  return JSON.parse(text) as ReconcileReport;
}
