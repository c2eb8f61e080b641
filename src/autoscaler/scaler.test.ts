import {
  DescribeAlarmsCommand,
  DisableAlarmActionsCommand,
  GetMetricDataCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  type MetricAlarm,
  type PutMetricAlarmInput,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeStreamSummaryCommand,
  ListTagsForStreamCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  awsMessage2020,
  DOWN_ALARM,
  localstackMessage,
  snsEvent,
  STREAM,
  UP_ALARM,
} from '../../test/fixtures/alarm-messages.js';
import { buildAlarmPair, readAlarmContract } from './alarm-contract.js';
import { DEFAULT_SCALING, TAGS } from './config.js';
import { SHARD_BYTES_PER_SECOND } from './load.js';
import { handleSnsEvent, TransientError, type ScalerDeps } from './scaler.js';
import type { ScalingLogEntry } from './scaling-log.js';
import { mockScalingLogTable, mockServices, testDeps, type LogLine } from './test-support.js';

const EVENT_TIME = '2026-03-02T10:17:44.775+0000';
const EVENT_MS = Date.parse('2026-03-02T10:17:44.775Z');

/** A small stateful world behind the mocks, so effects (and their absence) can be asserted. */
interface World {
  shards: number;
  status: string;
  mode: 'PROVISIONED' | 'ON_DEMAND';
  alarms: Map<string, MetricAlarm>;
  tags: Record<string, string>;
  log: ScalingLogEntry[];
  /** Per-minute byte utilisation of the current shard count, for every minute of any window. */
  usage: number;
  throttledPerMinute: number;
  updateError?: Error;
  /** Applied, then the response is lost and the SDK's retry sees this error. */
  updateLostWith?: Error;
  putAlarmFailures: number;
  putAlarmError?: Error;
  /** The services' clock. */
  now: number;
  calls: {
    update: number[];
    putAlarm: PutMetricAlarmInput[];
    rearmed: string[];
    disabled: string[];
  };
}

const { kinesis, cloudwatch, dynamo } = mockServices();
let world: World;
let logs: LogLine[];

function alarmsFor(shards: number): Map<string, MetricAlarm> {
  const pair = buildAlarmPair({
    streamName: STREAM,
    shardCount: shards,
    scaleUpTopicArn: 'arn:aws:sns:us-east-1:000000000000:kinesis-autoscaler-scale-up-dev',
    scaleDownTopicArn: 'arn:aws:sns:us-east-1:000000000000:kinesis-autoscaler-scale-down-dev',
  });
  return new Map([
    [
      pair.up.AlarmName!,
      { ...pair.up, StateValue: 'ALARM', StateTransitionedTimestamp: new Date(EVENT_MS) },
    ],
    [
      pair.down.AlarmName!,
      { ...pair.down, StateValue: 'OK', StateTransitionedTimestamp: new Date(EVENT_MS - 3600_000) },
    ],
  ]);
}

function shardCountOf(name: string): number {
  return readAlarmContract(world.alarms.get(name)!).shardCount;
}

function install(): void {
  kinesis.reset();
  cloudwatch.reset();
  dynamo.reset();
  kinesis.on(DescribeStreamSummaryCommand).callsFake((input: { StreamName: string }) => {
    if (input.StreamName !== STREAM) {
      throw new ResourceNotFoundException({
        message: `Stream ${input.StreamName} not found`,
        $metadata: {},
      });
    }
    return {
      StreamDescriptionSummary: {
        StreamName: STREAM,
        StreamStatus: world.status,
        StreamModeDetails: { StreamMode: world.mode },
        OpenShardCount: world.shards,
      },
    };
  });
  kinesis.on(ListTagsForStreamCommand).callsFake(() => ({
    Tags: Object.entries(world.tags).map(([Key, Value]) => ({ Key, Value })),
    HasMoreTags: false,
  }));
  kinesis.on(UpdateShardCountCommand).callsFake((input: { TargetShardCount: number }) => {
    if (world.updateError) throw world.updateError;
    world.calls.update.push(input.TargetShardCount);
    world.shards = input.TargetShardCount;
    if (world.updateLostWith) {
      world.status = 'UPDATING';
      throw world.updateLostWith;
    }
    return { CurrentShardCount: world.shards, TargetShardCount: input.TargetShardCount };
  });
  cloudwatch.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames: string[] }) => ({
    MetricAlarms: input.AlarmNames.flatMap((n) =>
      world.alarms.has(n) ? [world.alarms.get(n)!] : [],
    ),
  }));
  cloudwatch.on(PutMetricAlarmCommand).callsFake((input: PutMetricAlarmInput) => {
    if (world.putAlarmError) throw world.putAlarmError;
    if (world.putAlarmFailures > 0) {
      world.putAlarmFailures--;
      throw Object.assign(new Error('Rate exceeded'), {
        name: 'Throttling',
        $metadata: { httpStatusCode: 400 },
      });
    }
    world.calls.putAlarm.push(input);
    const old = world.alarms.get(input.AlarmName!);
    // A new alarm starts in INSUFFICIENT_DATA; an updated one keeps its state.
    world.alarms.set(input.AlarmName!, {
      ...input,
      StateValue: old?.StateValue ?? 'INSUFFICIENT_DATA',
      StateTransitionedTimestamp: old?.StateTransitionedTimestamp ?? new Date(world.now),
    } as MetricAlarm);
    return {};
  });
  cloudwatch
    .on(SetAlarmStateCommand)
    .callsFake((input: { AlarmName: string; StateValue: string }) => {
      world.calls.rearmed.push(input.AlarmName);
      const alarm = world.alarms.get(input.AlarmName)!;
      if (alarm.StateValue !== input.StateValue)
        alarm.StateTransitionedTimestamp = new Date(world.now);
      alarm.StateValue = input.StateValue as MetricAlarm['StateValue'];
      return {};
    });
  cloudwatch.on(DisableAlarmActionsCommand).callsFake((input: { AlarmNames: string[] }) => {
    world.calls.disabled.push(...input.AlarmNames);
    for (const n of input.AlarmNames) world.alarms.get(n)!.ActionsEnabled = false;
    return {};
  });
  cloudwatch.on(GetMetricDataCommand).callsFake((input: { StartTime: Date; EndTime: Date }) => {
    const timestamps: Date[] = [];
    for (let t = input.StartTime.getTime(); t < input.EndTime.getTime(); t += 60_000)
      timestamps.push(new Date(t));
    const bytes = world.usage * SHARD_BYTES_PER_SECOND * 60 * world.shards;
    return {
      MetricDataResults: [
        { Id: 'bytes', Timestamps: timestamps, Values: timestamps.map(() => bytes) },
        { Id: 'records', Timestamps: timestamps, Values: timestamps.map(() => bytes / 4096) },
        {
          Id: 'throttled',
          Timestamps: timestamps,
          Values: timestamps.map(() => world.throttledPerMinute),
        },
      ],
    };
  });
  mockScalingLogTable(dynamo, world);
}

function deps(): ScalerDeps {
  // The handler's flow is under test, not the policy's figures: the expected targets are the
  // reactive rule's at a 50% target (policy.test.ts covers the defaults and the levers).
  return testDeps({
    logs,
    now: () => world.now,
    defaults: { ...DEFAULT_SCALING, targetUtilization: 0.5 },
  });
}

const fire = (message: string, direction: 'up' | 'down' = 'up', messageId = 'msg-1') =>
  handleSnsEvent(snsEvent(message, messageId, direction), direction, deps());

beforeEach(() => {
  world = {
    shards: 4,
    status: 'ACTIVE',
    mode: 'PROVISIONED',
    alarms: alarmsFor(4),
    tags: {},
    log: [],
    usage: 0.9,
    throttledPerMinute: 0,
    putAlarmFailures: 0,
    now: EVENT_MS + 5_000,
    calls: { update: [], putAlarm: [], rearmed: [], disabled: [] },
  };
  logs = [];
  install();
});

describe('scale up', () => {
  it('scales, rewrites both alarms, re-arms them and logs the decision', async () => {
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome).toMatchObject({
      outcome: 'scaled',
      streamName: STREAM,
      shardCount: 4,
      targetShardCount: 8,
    });
    expect(world.calls.update).toEqual([8]);
    expect(shardCountOf(UP_ALARM)).toBe(8);
    expect(shardCountOf(DOWN_ALARM)).toBe(8);
    expect(world.calls.rearmed.sort()).toEqual([DOWN_ALARM, UP_ALARM].sort());
    expect(world.log).toEqual([
      expect.objectContaining({
        stream_name: STREAM,
        scaling_datetime: '2026-03-02T10:17:44.775Z',
        shard_count: 4,
        target_shard_count: 8,
        scaling_type: 'SCALE_UP',
        alarm_name: UP_ALARM,
        event_id: 'msg-1',
        utilization: 0.9,
        expires_at: Math.floor(EVENT_MS / 1000) + 14 * 86400,
      }),
    ]);
    const decisions = logs.filter((l) => l.message === 'decision');
    expect(decisions).toHaveLength(1);
    expect(decisions[0]!.extra).toMatchObject({
      outcome: 'scaled',
      eventTime: '2026-03-02T10:17:44.775Z',
    });
  });

  it('works from LocalStack messages, which lack Trigger.Metrics', async () => {
    const [outcome] = await fire(localstackMessage(UP_ALARM, EVENT_TIME));
    expect(outcome!.outcome).toBe('scaled');
  });

  it('reads the metrics window that ends at the state change, not the wall clock', async () => {
    await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.EndTime).toEqual(new Date('2026-03-02T10:17:00Z'));
    expect(input.StartTime).toEqual(new Date('2026-03-02T10:12:00Z'));
  });

  it('goes higher when records were throttled', async () => {
    // Accepted writes are 30% of capacity, but more than twice as many records were throttled.
    world.usage = 0.3;
    world.throttledPerMinute = 40_000;
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome).toMatchObject({ outcome: 'scaled', targetShardCount: 8 });
    expect(world.log[0]!.throttled_records).toBe(200_000);
  });

  it('respects max shards from a stream tag and re-arms when already there', async () => {
    world.tags = { [TAGS.maxShards]: '4' };
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome).toMatchObject({ outcome: 'no-change' });
    expect(outcome!.detail).toMatch(/max shards 4/);
    expect(world.calls.update).toEqual([]);
    expect(world.calls.rearmed).toEqual([UP_ALARM]);
  });

  it('does nothing once the 24-hour quota is used, and re-arms', async () => {
    world.log = Array.from({ length: 10 }, (_, i) => logEntry(EVENT_MS - (i + 1) * 3600_000));
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome!.outcome).toBe('no-change');
    expect(outcome!.detail).toMatch(/10 of 10 UpdateShardCount calls/);
    expect(world.calls.update).toEqual([]);
    expect(world.calls.rearmed).toEqual([UP_ALARM]);
    // While the quota holds this answer repeats every period, so it reads no metrics.
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });
});

describe('scale down', () => {
  beforeEach(() => {
    world.usage = 0.05;
    world.shards = 8;
    world.alarms = alarmsFor(8);
    inAlarm(DOWN_ALARM);
  });

  it('halves at most and disables nothing above the minimum', async () => {
    const [outcome] = await fire(awsMessage2020(DOWN_ALARM, EVENT_TIME), 'down');
    expect(outcome).toMatchObject({ outcome: 'scaled', targetShardCount: 4 });
    expect(world.log[0]!.scaling_type).toBe('SCALE_DOWN');
    expect(world.alarms.get(DOWN_ALARM)!.ActionsEnabled).toBe(true);
  });

  it('leaves a scale-down the policy holds in ALARM, for the reconciler to retry', async () => {
    world.usage = 0.4;
    const [outcome] = await fire(awsMessage2020(DOWN_ALARM, EVENT_TIME), 'down');
    expect(outcome).toMatchObject({ outcome: 'no-change' });
    expect(outcome!.detail).toMatch(/left in ALARM for the reconciler to retry/);
    expect(world.calls.update).toEqual([]);
    expect(world.calls.rearmed).toEqual([]);
  });

  it('disables the scale-down alarm actions when it reaches min shards', async () => {
    world.tags = { [TAGS.minShards]: '4' };
    await fire(awsMessage2020(DOWN_ALARM, EVENT_TIME), 'down');
    expect(world.calls.update).toEqual([4]);
    expect(world.alarms.get(DOWN_ALARM)!.ActionsEnabled).toBe(false);
    expect(world.alarms.get(UP_ALARM)!.ActionsEnabled).toBe(true);
  });

  it('does not scale below min shards and quiets the alarm', async () => {
    world.shards = 2;
    world.alarms = alarmsFor(2);
    inAlarm(DOWN_ALARM);
    world.tags = { [TAGS.minShards]: '2' };
    const [outcome] = await fire(awsMessage2020(DOWN_ALARM, EVENT_TIME), 'down');
    expect(outcome!.outcome).toBe('no-change');
    expect(world.calls.update).toEqual([]);
    expect(world.calls.disabled).toEqual([DOWN_ALARM]);
  });

  it('keeps the last two daily operations for scale-ups', async () => {
    world.log = Array.from({ length: 8 }, (_, i) => logEntry(EVENT_MS - (i + 1) * 3600_000));
    const [outcome] = await fire(awsMessage2020(DOWN_ALARM, EVENT_TIME), 'down');
    expect(outcome!.outcome).toBe('no-change');
    expect(outcome!.detail).toMatch(/kept for scale-ups/);
    // Left in ALARM: the reconciler re-arms it, so it is tried again once the reserve frees up.
    expect(outcome!.detail).toMatch(/left in ALARM for the reconciler/);
    expect(world.calls.rearmed).toEqual([]);
  });
});

describe('exactly one effect per state change', () => {
  it('a second delivery of the same message does not scale again', async () => {
    await fire(awsMessage2020(UP_ALARM, EVENT_TIME), 'up', 'same');
    // The scaling re-armed the alarm, so the late copy finds it out of ALARM and in the log.
    const [again] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME), 'up', 'same');
    expect(again!.outcome).toBe('duplicate');
    expect(world.calls.update).toEqual([8]);
  });

  it('two messages for the same live state change scale once', async () => {
    await fire(awsMessage2020(UP_ALARM, EVENT_TIME), 'up', 'first');
    // Put the alarm back as it was (the same transition), as a concurrent reader would see it.
    inAlarm(UP_ALARM);
    const [second] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME), 'up', 'second');
    expect(second!.outcome).toBe('duplicate');
    expect(world.calls.update).toEqual([8]);
  });

  it('an event older than the last scaling is stale', async () => {
    world.log = [logEntry(EVENT_MS + 60_000)];
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME), 'up', 'older');
    expect(outcome!.outcome).toBe('stale');
    expect(world.calls.update).toEqual([]);
  });

  it('a concurrent delivery that loses the conditional write does nothing', async () => {
    // The other delivery wrote its claim between our read of the log and our write.
    dynamo.on(QueryCommand).resolves({ Items: [] });
    world.log = [logEntry(EVENT_MS)];
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME), 'up', 'racer');
    expect(outcome!.outcome).toBe('duplicate');
    expect(world.calls.update).toEqual([]);
  });
});

describe('stream state', () => {
  it('re-arms the alarm while the stream is UPDATING and does not scale', async () => {
    world.status = 'UPDATING';
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome!.outcome).toBe('rearmed');
    expect(world.calls.rearmed).toEqual([UP_ALARM]);
    expect(world.calls.update).toEqual([]);
  });

  it('re-arms and releases its claim when another scaling got there first', async () => {
    // Refused at the SDK's first attempt: no call of ours can have been applied.
    world.updateError = new ResourceInUseException({
      message: 'Stream orders under account 0 not ACTIVE',
      $metadata: { attempts: 1 },
    });
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome!.outcome).toBe('rearmed');
    expect(outcome!.detail).toMatch(/another scaling got there first/);
    expect(world.calls.rearmed).toEqual([UP_ALARM]);
    expect(world.log).toEqual([]);
  });

  it('re-arms and keeps the claim pending when ResourceInUse follows an SDK retry', async () => {
    world.updateError = new ResourceInUseException({
      message: 'Stream orders under account 0 not ACTIVE',
      $metadata: { attempts: 2 },
    });
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome!.outcome).toBe('rearmed');
    expect(world.calls.rearmed).toEqual([UP_ALARM]);
    expect(world.log).toEqual([expect.objectContaining({ status: 'pending' })]);
  });

  it('skips on-demand streams', async () => {
    world.mode = 'ON_DEMAND';
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome!.outcome).toBe('ignored');
    expect(outcome!.detail).toMatch(/on-demand/);
  });

  it('repairs alarms whose shard count is out of sync, without scaling', async () => {
    world.shards = 6;
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome!.outcome).toBe('repaired');
    expect(shardCountOf(UP_ALARM)).toBe(6);
    expect(shardCountOf(DOWN_ALARM)).toBe(6);
    expect(world.calls.update).toEqual([]);
    expect(world.calls.rearmed.sort()).toEqual([DOWN_ALARM, UP_ALARM].sort());
  });
});

describe('errors', () => {
  it('a partial failure (scaled, alarm rewrite failed) throws, and the next event repairs it', async () => {
    world.putAlarmFailures = 1;
    await expect(fire(awsMessage2020(UP_ALARM, EVENT_TIME))).rejects.toThrow(TransientError);
    expect(world.calls.update).toEqual([8]);
    expect(shardCountOf(UP_ALARM)).toBe(4);
    // Lambda's retry of the same event: the alarms are out of sync, so they are repaired.
    const [retry] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(retry!.outcome).toBe('repaired');
    expect(shardCountOf(UP_ALARM)).toBe(8);
    expect(shardCountOf(DOWN_ALARM)).toBe(8);
    expect(world.calls.update).toEqual([8]);
  });

  it('throws transient AWS errors so Lambda retries, and the retry completes the claim', async () => {
    world.updateError = Object.assign(new Error('Rate exceeded for stream orders'), {
      name: 'LimitExceededException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(fire(awsMessage2020(UP_ALARM, EVENT_TIME))).rejects.toThrow(
      /LimitExceededException/,
    );
    expect(world.log).toEqual([expect.objectContaining({ status: 'pending' })]);
    // Lambda retries a minute later; the claim is now abandoned and the stream unchanged.
    world.updateError = undefined;
    world.now += 60_000;
    const [retry] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(retry).toMatchObject({ outcome: 'scaled', targetShardCount: 8 });
    expect(world.calls.update).toEqual([8]);
    expect(world.log).toEqual([
      expect.objectContaining({ status: 'done', confirmed_by: 'response' }),
    ]);
  });

  it('logs permanent AWS errors without throwing', async () => {
    world.updateError = Object.assign(new Error('UpdateShardCount cannot scale up over double'), {
      name: 'InvalidArgumentException',
      $metadata: { httpStatusCode: 400 },
    });
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome!.outcome).toBe('rejected');
    expect(world.log).toEqual([]);
  });

  it.each([
    ['not JSON', 'garbage'],
    ['not an alarm', '{"hello":1}'],
    ['unknown alarm', awsMessage2020('kinesis-autoscaler-ghost-scale-up', EVENT_TIME)],
    ['alarm outside the naming contract', awsMessage2020('orders-high-usage', EVENT_TIME)],
  ])('rejects a message that is %s and changes nothing', async (_case, message) => {
    const [outcome] = await fire(message);
    expect(outcome!.outcome).toBe('rejected');
    expect(world.calls.update).toEqual([]);
    expect(world.calls.putAlarm).toEqual([]);
    expect(logs.some((l) => l.level === 'error')).toBe(true);
  });

  it('rejects an alarm delivered to the wrong function', async () => {
    const [outcome] = await fire(awsMessage2020(DOWN_ALARM, EVENT_TIME), 'up');
    expect(outcome!.detail).toMatch(/scale-down alarm but was delivered to the scale-up function/);
  });

  it('rejects an alarm naming a stream that does not exist', async () => {
    world.alarms = new Map(
      [...alarmsFor(4)].map(([k, a]) => [
        k,
        {
          ...a,
          Metrics: JSON.parse(
            JSON.stringify(a.Metrics).replaceAll(`"${STREAM}"`, '"gone"'),
          ) as MetricAlarm['Metrics'],
        },
      ]),
    );
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome).toMatchObject({
      outcome: 'rejected',
      detail: 'stream gone named by the alarm does not exist',
    });
  });

  it('rejects a stream whose tags are invalid, naming the tag', async () => {
    world.tags = { [TAGS.targetUtilization]: 'high' };
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome!.outcome).toBe('rejected');
    expect(outcome!.detail).toMatch(/kinesis-autoscaler:target-utilization="high"/);
  });

  it('ignores transitions to OK', async () => {
    const ok = JSON.stringify({
      ...JSON.parse(awsMessage2020(UP_ALARM, EVENT_TIME)),
      NewStateValue: 'OK',
    });
    const [outcome] = await fire(ok);
    expect(outcome!.outcome).toBe('ignored');
    expect(cloudwatch.calls()).toHaveLength(0);
  });
});

function inAlarm(name: string, at = EVENT_MS): void {
  const alarm = world.alarms.get(name)!;
  alarm.StateValue = 'ALARM';
  alarm.StateTransitionedTimestamp = new Date(at);
}

function logEntry(at: number): ScalingLogEntry {
  return {
    stream_name: STREAM,
    scaling_datetime: new Date(at).toISOString(),
    shard_count: 2,
    target_shard_count: 4,
    scaling_type: 'SCALE_UP',
    reason: 'test',
    utilization: 0.9,
    demand_utilization: 0.9,
    throttled_records: 0,
    alarm_name: UP_ALARM,
    event_id: `old-${at}`,
    expires_at: 0,
  };
}

const PUT_DENIED = Object.assign(
  new Error('User is not authorized to perform cloudwatch:PutMetricAlarm'),
  {
    name: 'AccessDenied',
    $metadata: { httpStatusCode: 403 },
  },
);

const at = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

describe('trust nothing in the message (issue 11, defect 1)', () => {
  it('rejects a state change from the future, and later real events still scale', async () => {
    const [forged] = await fire(
      awsMessage2020(UP_ALARM, '2099-01-01T00:00:00.000+0000'),
      'up',
      'f',
    );
    expect(forged).toMatchObject({ outcome: 'rejected' });
    expect(forged!.detail).toMatch(/in the future/);
    expect(world.calls.update).toEqual([]);
    expect(world.log).toEqual([]);
    const [real] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME), 'up', 'real');
    expect(real!.outcome).toBe('scaled');
  });

  it('rejects a state change from 1970', async () => {
    const [old] = await fire(awsMessage2020(UP_ALARM, '1970-01-01T00:00:00.000+0000'));
    expect(old!.outcome).toBe('rejected');
    expect(old!.detail).toMatch(/more than 6 hours old/);
    expect(world.calls.update).toEqual([]);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });

  it('rejects a date that does not exist', async () => {
    const [bad] = await fire(awsMessage2020(UP_ALARM, '2026-02-30T10:17:44.775+0000'));
    expect(bad!.outcome).toBe('rejected');
    expect(bad!.detail).toMatch(/no day 30 in 2026-02/);
    expect(cloudwatch.calls()).toHaveLength(0);
  });

  it('does nothing when the live alarm is not in ALARM', async () => {
    world.alarms.get(UP_ALARM)!.StateValue = 'OK';
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome).toMatchObject({ outcome: 'ignored' });
    expect(outcome!.detail).toMatch(/the alarm is OK now/);
    expect(world.calls.update).toEqual([]);
    expect(world.calls.rearmed).toEqual([]);
  });

  it('takes the decision time from the live alarm, not from the message', async () => {
    // The message claims an older change; the alarm went into ALARM at EVENT_MS.
    const [outcome] = await fire(awsMessage2020(UP_ALARM, at(EVENT_MS - 2 * 3600_000)));
    expect(outcome!.outcome).toBe('scaled');
    expect(world.log[0]!.scaling_datetime).toBe(new Date(EVENT_MS).toISOString());
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.EndTime).toEqual(new Date('2026-03-02T10:17:00Z'));
  });
});

describe('claims that record intent (defect 2)', () => {
  it('a lost UpdateShardCount response leaves a pending claim that the stream confirms', async () => {
    // The SDK's retry of the applied call is refused: its error says it was the second attempt.
    world.updateLostWith = new ResourceInUseException({
      message: 'Stream orders under account 0 not ACTIVE, instead in state UPDATING',
      $metadata: { attempts: 2 },
    });
    const [first] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME), 'up', 'lost');
    expect(first!.outcome).toBe('rearmed');
    expect(world.shards).toBe(8);
    expect(world.log).toEqual([
      expect.objectContaining({ status: 'pending', target_shard_count: 8 }),
    ]);
    // The resharding ends; two minutes later the alarm fires again.
    world.updateLostWith = undefined;
    world.status = 'ACTIVE';
    world.now += 120_000;
    inAlarm(UP_ALARM, world.now - 1000);
    const [next] = await fire(awsMessage2020(UP_ALARM, at(world.now - 1000)), 'up', 'next');
    expect(next!.outcome).toBe('repaired');
    expect(world.log).toEqual([
      expect.objectContaining({ status: 'done', confirmed_by: 'state', target_shard_count: 8 }),
    ]);
    expect(shardCountOf(UP_ALARM)).toBe(8);
    expect(world.calls.update).toEqual([8]);
  });

  it('a retry after a crash between claim and call completes the claim', async () => {
    world.log = [
      {
        ...logEntry(EVENT_MS),
        shard_count: 4,
        target_shard_count: 8,
        status: 'pending',
        claimed_at: new Date(EVENT_MS).toISOString(),
      },
    ];
    world.now = EVENT_MS + 61_000;
    const [retry] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(retry).toMatchObject({ outcome: 'scaled', shardCount: 4, targetShardCount: 8 });
    expect(world.calls.update).toEqual([8]);
    expect(world.log).toEqual([expect.objectContaining({ status: 'done' })]);
    expect(shardCountOf(DOWN_ALARM)).toBe(8);
  });

  it('leaves a claim of a running invocation alone', async () => {
    world.log = [
      {
        ...logEntry(EVENT_MS),
        shard_count: 4,
        status: 'pending',
        claimed_at: new Date(world.now - 1000).toISOString(),
      },
    ];
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome!.outcome).toBe('duplicate');
    expect(world.calls.update).toEqual([]);
    expect(world.log[0]!.status).toBe('pending');
  });
});

describe('a scaling is never hidden (defect 3)', () => {
  it('reports a scaling whose alarm rewrite failed permanently, with a repair pending', async () => {
    world.putAlarmError = PUT_DENIED;
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome).toMatchObject({ outcome: 'scaled', targetShardCount: 8, repairPending: true });
    expect(outcome!.detail).toMatch(/repair pending/);
    expect(world.log).toEqual([expect.objectContaining({ status: 'done' })]);
  });

  it('recreates a deleted scale-down alarm when it scales up', async () => {
    world.alarms.delete(DOWN_ALARM);
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome!.outcome).toBe('scaled');
    expect(outcome!.detail).toMatch(/recreated/);
    const down = world.alarms.get(DOWN_ALARM)!;
    expect(readAlarmContract(down)).toMatchObject({ direction: 'down', shardCount: 8 });
    expect(down.AlarmActions).toEqual([
      'arn:aws:sns:us-east-1:000000000000:kinesis-autoscaler-scale-down-dev',
    ]);
  });

  it('recreates a deleted scale-down alarm when nothing else needs doing', async () => {
    world.alarms.delete(DOWN_ALARM);
    world.tags = { [TAGS.maxShards]: '4' };
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome!.outcome).toBe('no-change');
    expect(shardCountOf(DOWN_ALARM)).toBe(4);
  });
});

describe('Kinesis limits are waited out (defect 4)', () => {
  it.each([
    'This request would exceed the shard limit for the account 000000000000 in us-east-1.',
    'Exceeded the limit of 10 UpdateShardCount calls in the last 24 hours for stream orders',
  ])('re-arms on LimitExceeded: %s', async (message) => {
    world.updateError = Object.assign(new Error(message), {
      name: 'LimitExceededException',
      $metadata: { httpStatusCode: 400 },
    });
    const [outcome] = await fire(awsMessage2020(UP_ALARM, EVENT_TIME));
    expect(outcome!.outcome).toBe('rearmed');
    expect(outcome!.detail).toMatch(/LimitExceededException/);
    expect(world.calls.rearmed).toEqual([UP_ALARM]);
    expect(world.log).toEqual([]);
  });
});
