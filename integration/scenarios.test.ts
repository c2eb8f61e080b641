import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alarmNames, readAlarmContract, rewriteAlarm } from '../src/autoscaler/alarm-contract.js';
import { planLoad, runLoad } from '../src/kit/load.js';
import { fire } from '../src/kit/subscription.js';
import {
  alarmShardCounts,
  armedEvent,
  alarmState,
  corruptShardCount,
  eventually,
  invokeScaler,
  openShards,
  removeStream,
  scalingLog,
  subscribedStream,
  waitShards,
} from './helpers.js';
import { chosenTarget, openTarget, type E2ETarget } from './target.js';

/**
 * The end-to-end scenarios, against the target named by E2E_TARGET (default: the embedded
 * emulator). A scenario a target cannot run is skipped with the reason, never passed silently.
 */
const targetName = chosenTarget();
let t: E2ETarget;
const created: string[] = [];

beforeAll(async () => {
  t = await openTarget(targetName);
}, 900_000);

// Each scenario's streams go when it ends, so that later scenarios do not carry their work: the
// simulated day runs the reconciler 288 times over every subscribed stream.
afterEach(async () => {
  if (!t) return;
  for (const name of created.splice(0)) await removeStream(t, name);
}, 900_000);

afterAll(async () => {
  if (!t) return;
  await t.close();
}, 900_000);

async function stream(
  base: string,
  shards: number,
  overrides: Parameters<typeof subscribedStream>[3] = {},
) {
  const name = await subscribedStream(t, base, shards, overrides);
  created.push(name);
  return name;
}

function skipUnless(ctx: { skip: (note?: string) => void }, reason: string | undefined): void {
  if (reason) {
    process.stderr.write(`[e2e:${targetName}] skipped: ${reason}\n`);
    ctx.skip(reason);
  }
}

describe(`end to end on ${targetName}`, { timeout: 900_000 }, () => {
  it('scales up when the scale-up alarm fires', async () => {
    // min-shards 2 keeps the idle stream's scale-down alarm quiet once it has scaled.
    const name = await stream('fire-up', 1, { minShards: 2 });
    await fire(t.clients.cloudwatch, name, 'up');
    await t.settle();
    await waitShards(t, name, 2);
    const log = await scalingLog(t, name);
    expect(log).toEqual([
      expect.objectContaining({
        scaling_type: 'SCALE_UP',
        shard_count: 1,
        target_shard_count: 2,
        alarm_name: alarmNames(name).up,
      }),
    ]);
    expect(await alarmShardCounts(t, name)).toEqual({ up: 2, down: 2 });
    expect((await alarmState(t, name, 'up'))?.StateValue).not.toBe('ALARM');
  });

  it('scales up from real load past capacity', async (ctx) => {
    skipUnless(ctx, t.noAlarmEvaluation);
    const name = await stream('load', 1, { minShards: 2 });
    // 1,500 records/s against one shard's 1,000: the records limit binds, a third is throttled.
    const plan = planLoad({ mibps: 0.15, recordsPerSecond: 1500, durationSeconds: 180 });
    const totals = await runLoad(t.clients.kinesis, {
      stream: name,
      ...plan,
      durationSeconds: 180,
      sleep: t.sleep,
      now: t.now,
    });
    expect(totals.throttledRecords).toBeGreaterThan(0);
    // The first step is bound by Kinesis's x2 rule; the scale-up alarm, re-armed, fires again on
    // the minutes the stream throttled at 2 shards, and 1.5 shards of demand at the 45% target
    // take 4.
    await eventually(
      t,
      'two scaling log entries',
      async () => (await scalingLog(t, name)).length >= 2,
      10 * 60_000,
    );
    await waitShards(t, name, 4);
    const entries = (await scalingLog(t, name)).reverse(); // oldest first
    expect(entries.map((e) => [e.scaling_type, e.shard_count, e.target_shard_count])).toEqual([
      ['SCALE_UP', 1, 2],
      ['SCALE_UP', 2, 4],
    ]);
    expect(entries[0]!.throttled_records).toBeGreaterThan(0);
    expect(await alarmShardCounts(t, name)).toEqual({ up: 4, down: 4 });
  });

  it('scales down when the scale-down alarm fires', async () => {
    const name = await stream('down', 4, { minShards: 2 });
    await fire(t.clients.cloudwatch, name, 'down');
    await t.settle();
    await waitShards(t, name, 2);
    expect(await scalingLog(t, name)).toEqual([
      expect.objectContaining({
        scaling_type: 'SCALE_DOWN',
        shard_count: 4,
        target_shard_count: 2,
      }),
    ]);
    expect(await alarmShardCounts(t, name)).toEqual({ up: 2, down: 2 });
    // At min shards the scale-down alarm is silenced.
    expect((await alarmState(t, name, 'down'))?.ActionsEnabled).toBe(false);
  });

  it('does not scale down at min shards', async () => {
    const name = await stream('at-min', 2, { minShards: 2 });
    expect((await alarmState(t, name, 'down'))?.ActionsEnabled).toBe(false);
    const outcomes = await invokeScaler(
      t,
      'down',
      await armedEvent(t, name, 'down', `at-min-${t.now()}`),
    );
    expect(outcomes).toEqual([expect.objectContaining({ outcome: 'no-change', shardCount: 2 })]);
    expect(await openShards(t, name)).toBe(2);
    expect(await scalingLog(t, name)).toEqual([]);
  });

  it('respects max shards', async () => {
    const name = await stream('at-max', 2, { maxShards: 2, minShards: 2 });
    await fire(t.clients.cloudwatch, name, 'up');
    await t.settle();
    await eventually(
      t,
      'the alarm to be re-armed',
      async () => (await alarmState(t, name, 'up'))?.StateValue !== 'ALARM',
    );
    expect(await openShards(t, name)).toBe(2);
    expect(await scalingLog(t, name)).toEqual([]);
  });

  it('scales once when the same SNS message is delivered twice', async () => {
    const name = await stream('dup', 1, { minShards: 2 });
    const event = await armedEvent(t, name, 'up', `dup-${t.now()}`);
    const [first] = await invokeScaler(t, 'up', event);
    expect(first).toMatchObject({ outcome: 'scaled', targetShardCount: 2 });
    await waitShards(t, name, 2);
    const [second] = await invokeScaler(t, 'up', event);
    expect(second!.outcome).toBe('duplicate');
    expect(await scalingLog(t, name)).toHaveLength(1);
    expect(await openShards(t, name)).toBe(2);
  });

  it('scales once when both alarms fire at once', async () => {
    const name = await stream('both', 2);
    await Promise.all([
      fire(t.clients.cloudwatch, name, 'up'),
      fire(t.clients.cloudwatch, name, 'down'),
    ]);
    await t.settle();
    await eventually(t, 'a scaling log entry', async () => (await scalingLog(t, name)).length > 0);
    const log = await scalingLog(t, name);
    expect(log).toHaveLength(1);
    await waitShards(t, name, log[0]!.target_shard_count);
    expect([1, 3]).toContain(log[0]!.target_shard_count);
  });

  it('re-arms an alarm fired while the stream is UPDATING, and scales on a later firing', async () => {
    const name = await stream('updating', 1, { minShards: 4 });
    const [first] = await invokeScaler(t, 'up', await armedEvent(t, name, 'up', `u1-${t.now()}`));
    expect(first).toMatchObject({ outcome: 'scaled', targetShardCount: 2 });
    const [busy] = await invokeScaler(t, 'up', await armedEvent(t, name, 'up', `u2-${t.now()}`));
    expect(busy!.outcome).toBe('rearmed');
    expect((await alarmState(t, name, 'up'))?.StateValue).toBe('INSUFFICIENT_DATA');
    await waitShards(t, name, 2);
    await fire(t.clients.cloudwatch, name, 'up');
    await t.settle();
    await waitShards(t, name, 4);
    expect((await scalingLog(t, name)).map((e) => e.target_shard_count)).toEqual([4, 2]);
  });

  it('stops at 10 scalings in 24 hours and resumes a day later', async (ctx) => {
    skipUnless(ctx, t.noFastTime);
    const name = await stream('quota', 1);
    // With a scale-down alarm that can never fire (usage below -1; a deleted one would be
    // recreated), only our firings scale the idle stream.
    const down = (await alarmState(t, name, 'down'))!;
    await t.clients.cloudwatch.send(
      new PutMetricAlarmCommand({
        ...rewriteAlarm(down, readAlarmContract(down).shardCount),
        Threshold: -1,
      }),
    );
    // With no load, each scale-up adds one shard (at least n + 1).
    for (let shards = 2; shards <= 11; shards++) {
      await fire(t.clients.cloudwatch, name, 'up');
      await t.settle();
      await waitShards(t, name, shards);
    }
    const [blocked] = await invokeScaler(t, 'up', await armedEvent(t, name, 'up', `q-${t.now()}`));
    expect(blocked!.outcome).toBe('no-change');
    expect(blocked!.detail).toMatch(/daily quota used: 10 of 10/);
    expect(await scalingLog(t, name)).toHaveLength(10);
    await t.sleep(24 * 3600_000);
    const [resumed] = await invokeScaler(t, 'up', await armedEvent(t, name, 'up', `q2-${t.now()}`));
    expect(resumed).toMatchObject({ outcome: 'scaled', shardCount: 11, targetShardCount: 12 });
  });

  it('repairs an alarm whose shard count is out of sync instead of scaling', async () => {
    const name = await stream('sync', 2, { minShards: 2 });
    await corruptShardCount(t, name, 'up', 5);
    const [outcome] = await invokeScaler(
      t,
      'up',
      await armedEvent(t, name, 'up', `sync-${t.now()}`),
    );
    expect(outcome!.outcome).toBe('repaired');
    expect(await alarmShardCounts(t, name)).toEqual({ up: 2, down: 2 });
    expect(await openShards(t, name)).toBe(2);
    expect(await scalingLog(t, name)).toEqual([]);
  });

  it('changes nothing for a malformed message', async () => {
    const name = await stream('malformed', 2, { minShards: 2 });
    await t.clients.sns.send(
      new PublishCommand({ TopicArn: t.stack.scaleUpTopicArn, Message: 'this is not an alarm' }),
    );
    await t.clients.sns.send(
      new PublishCommand({
        TopicArn: t.stack.scaleUpTopicArn,
        Message: '{"AlarmName":"x-scale-up"}',
      }),
    );
    await t.settle();
    const [rejected] = await invokeScaler(t, 'up', {
      Records: [
        { EventSource: 'aws:sns', Sns: { MessageId: 'm', TopicArn: 'x', Message: 'garbage' } },
      ],
    });
    expect(rejected!.outcome).toBe('rejected');
    expect(rejected!.detail).toMatch(/not JSON/);
    expect(await openShards(t, name)).toBe(2);
    expect(await scalingLog(t, name)).toEqual([]);
    if (t.name === 'embedded')
      expect(t.lambdaLogs().some((l) => l.includes('"outcome":"rejected"'))).toBe(true);
  });
});
