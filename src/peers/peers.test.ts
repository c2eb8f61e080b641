import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../emulator/clock.js';
import { Emulator } from '../emulator/emulator.js';
import type { InvocationRunResult } from '../emulator/lambda/model.js';
import { outcomesSchema } from '../simulation/decisions.js';
import { deployPeer } from '../simulation/peers.js';
import { seedPolicy } from '../simulation/policies.js';
import { doubleHalveAlarmNames, doubleHalveTarget, NEVER } from './double-halve/decide.js';
import { seedScaleDownTarget, seedScaleUpTarget } from './seed/decide.js';

const MINUTE = 60_000;
// Real Lambdas in worker threads on a loaded machine: generous wall-clock limits, virtual-time verdicts.
vi.setConfig({ testTimeout: 180_000 });
const STREAM = 'orders';

describe('seed arithmetic', () => {
  it('adds 100% at up to 3 shards, 50% at up to 50, 25% above', () => {
    expect([1, 2, 3, 4, 50, 51, 100].map(seedScaleUpTarget)).toEqual([2, 4, 6, 6, 75, 64, 125]);
  });
  it('scales down to max(ceil(n/2), ceil(2 x n x max usage))', () => {
    expect(seedScaleDownTarget(10, 0)).toBe(5);
    expect(seedScaleDownTarget(10, 0.3)).toBe(6);
    expect(seedScaleDownTarget(3, 0.1)).toBe(2);
    expect(seedScaleDownTarget(1, 0)).toBe(1);
  });
});

describe('double-halve arithmetic', () => {
  it('halves in integer division and silences the scale-down alarm at one shard', () => {
    expect(doubleHalveTarget('up', 3)).toEqual({ target: 6, downThreshold: 0.25 });
    expect(doubleHalveTarget('down', 5)).toEqual({ target: 2, downThreshold: 0.25 });
    expect(doubleHalveTarget('down', 3)).toEqual({ target: 1, downThreshold: NEVER });
    expect(doubleHalveTarget('down', 2)).toEqual({ target: 1, downThreshold: NEVER });
  });
});

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

async function start(reshardingMs: number) {
  const clock = new ManualClock(Date.UTC(2026, 2, 1));
  const results: InvocationRunResult[] = [];
  emulator = await Emulator.start({
    port: 0,
    clock,
    reshardingMs,
    onLambdaLog: () => {},
    onLambdaResult: (_fn, r) => results.push(r),
  });
  const { kinesis, cloudwatch, lambda } = emulator.region();
  const shards = () =>
    kinesis.describeStreamSummary({ StreamName: STREAM }).StreamDescriptionSummary.OpenShardCount;
  const alarmState = (name: string) =>
    (cloudwatch.describeAlarms({ AlarmNames: [name] }).MetricAlarms[0] as { StateValue: string })
      .StateValue;
  return { clock, kinesis, cloudwatch, lambda, results, shards, alarmState, emulator };
}

describe('the seed on a refusal', () => {
  it('raises, so Lambda retries twice, and leaves the alarm in ALARM: nothing fires again', async () => {
    const t = await start(1_000);
    t.kinesis.createStream({ StreamName: STREAM, ShardCount: 2 });
    await t.clock.advance(MINUTE);
    // Spend the ten UpdateShardCount calls of the rolling day: 2 -> 3 -> 2 ...
    for (let i = 0; i < 10; i++) {
      t.kinesis.updateShardCount({
        StreamName: STREAM,
        TargetShardCount: i % 2 === 0 ? 3 : 2,
        ScalingType: 'UNIFORM_SCALING',
      });
      await t.clock.advance(2_000);
    }
    const policy = seedPolicy();
    await deployPeer({
      emulator: t.emulator,
      peer: 'seed',
      stream: STREAM,
      shards: 2,
      scaleUp: policy.scaleUp,
      scaleDown: policy.scaleDown,
    });
    // Only the scale-up alarm is under test (the scale-down one would judge the idle warm-up).
    t.cloudwatch.disableAlarmActions({ AlarmNames: ['seed-orders-scale-down'] });
    // 100% of two shards for 20 minutes: the 5-minute scale-up alarm breaches.
    for (let m = 0; m < 20; m++) {
      t.kinesis.ingest(STREAM, {
        bytesPerSecond: 2 * 1024 * 1024,
        recordsPerSecond: 500,
        seconds: 60,
      });
      await t.clock.advance(MINUTE);
    }
    const runs = t.lambda.history('seed-kinesis-scaler');
    expect(runs.map((r) => [r.attempt, r.status])).toEqual([
      [0, 'error'],
      [1, 'error'],
      [2, 'error'],
    ]);
    expect(runs[1]!.at - runs[0]!.at).toBe(MINUTE);
    expect(runs[2]!.at - runs[1]!.at).toBe(2 * MINUTE);
    expect(t.alarmState('seed-orders-scale-up')).toBe('ALARM');
    expect(t.shards()).toBe(2);
  });

  it('raises while the stream is resharding, and the retry a minute later scales', async () => {
    const t = await start(30_000);
    t.kinesis.createStream({ StreamName: STREAM, ShardCount: 2 });
    await t.clock.advance(MINUTE);
    // Traffic at 40-60% keeps both alarms quiet on their own: the scale-down alarm would judge an
    // idle stream (and the first attempt's resync re-enables its actions).
    const traffic = async (minutes: number) => {
      for (let m = 0; m < minutes; m++) {
        t.kinesis.ingest(STREAM, {
          bytesPerSecond: 1.2 * 1024 * 1024,
          recordsPerSecond: 100,
          seconds: 60,
        });
        await t.clock.advance(MINUTE);
      }
    };
    await traffic(10);
    const policy = seedPolicy();
    await deployPeer({
      emulator: t.emulator,
      peer: 'seed',
      stream: STREAM,
      shards: 2,
      scaleUp: policy.scaleUp,
      scaleDown: policy.scaleDown,
    });
    t.kinesis.updateShardCount({
      StreamName: STREAM,
      TargetShardCount: 3,
      ScalingType: 'UNIFORM_SCALING',
    });
    await t.cloudwatch.setAlarmState({
      AlarmName: 'seed-orders-scale-up',
      StateValue: 'ALARM',
      StateReason: 'test',
    });
    await traffic(2);
    const runs = t.lambda.history('seed-kinesis-scaler');
    expect(
      runs.slice(0, 2).map((r) => [r.attempt, r.status]),
      t.lambda.recentLogs('seed-kinesis-scaler').join('\n'),
    ).toEqual([
      [0, 'error'],
      [1, 'success'],
    ]);
    // The first attempt saw 2 open shards while UPDATING and raised; the retry found 3 ACTIVE,
    // resynced the alarms to 3 and scaled +100%.
    expect(t.shards()).toBe(6);
    const outcome = outcomesSchema.parse(JSON.parse(t.results[1]!.payload!));
    expect(outcome[0]).toMatchObject({ outcome: 'scaled', shardCount: 3, targetShardCount: 6 });
  });
});

describe('double-halve on a refusal', () => {
  it('asks 3 -> 1, is refused as below half, sets its alarm to OK and does not raise, every minute', async () => {
    const t = await start(1_000);
    t.kinesis.createStream({ StreamName: STREAM, ShardCount: 3 });
    await t.clock.advance(MINUTE);
    await deployPeer({
      emulator: t.emulator,
      peer: 'double-halve',
      stream: STREAM,
      shards: 3,
      scaleUp: seedPolicy().scaleUp,
      scaleDown: seedPolicy().scaleDown,
    });
    const down = doubleHalveAlarmNames(STREAM).down;
    await t.cloudwatch.setAlarmState({ AlarmName: down, StateValue: 'ALARM', StateReason: 'test' });
    await t.clock.advance(5 * MINUTE);
    // The idle stream stays below 25%, so the sliding window breaches again at every evaluation:
    // OK -> ALARM -> refused -> OK, once a minute, for as long as the stream is idle.
    const runs = t.lambda.history('double-halve-kinesis-scaler');
    expect(runs.length).toBe(6);
    expect(runs.every((r) => r.attempt === 0 && r.status === 'success')).toBe(true);
    for (const r of t.results) {
      const [outcome] = outcomesSchema.parse(JSON.parse(r.payload!));
      expect(outcome).toMatchObject({ outcome: 'no-change', shardCount: 3 });
      expect(outcome!.detail).toContain('3 -> 1');
    }
    expect(t.alarmState(down)).toBe('OK');
    expect(t.shards()).toBe(3);
  });

  it('doubles, rewrites both alarms and ignores a state change older than its last scaling', async () => {
    const t = await start(1_000);
    t.kinesis.createStream({ StreamName: STREAM, ShardCount: 2 });
    await t.clock.advance(MINUTE);
    await deployPeer({
      emulator: t.emulator,
      peer: 'double-halve',
      stream: STREAM,
      shards: 2,
      scaleUp: seedPolicy().scaleUp,
      scaleDown: seedPolicy().scaleDown,
    });
    const names = doubleHalveAlarmNames(STREAM);
    await t.cloudwatch.setAlarmState({
      AlarmName: names.up,
      StateValue: 'ALARM',
      StateReason: 't',
    });
    await t.clock.advance(MINUTE);
    expect(t.shards()).toBe(4);
    // The scale-down alarm at 2 -> 1 would have threshold -1; at 4 it is 0.25 again.
    const alarm = t.cloudwatch.describeAlarms({ AlarmNames: [names.down] }).MetricAlarms[0] as {
      Threshold: number;
    };
    expect(alarm.Threshold).toBe(0.25);
    // A delivery of the first state change arriving late is stale: the tag is newer.
    const fn = 'double-halve-kinesis-scaler';
    const first = t.results[0]!;
    expect(outcomesSchema.parse(JSON.parse(first.payload!))[0]!.outcome).toBe('scaled');
    const history = t.cloudwatch.describeAlarmHistory({ AlarmName: names.up } as never);
    expect(history.AlarmHistoryItems.length).toBeGreaterThan(0);
    const late = await t.lambda.invokeDetailed(
      fn,
      JSON.stringify({
        Records: [
          {
            Sns: {
              MessageId: 'late',
              TopicArn: 'arn:aws:sns:us-east-1:000000000000:double-halve-scaling',
              Message: JSON.stringify({
                AlarmName: names.up,
                AlarmArn: `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${names.up}`,
                NewStateValue: 'ALARM',
                StateChangeTime: new Date(Date.UTC(2026, 2, 1, 0, 0, 30)).toISOString(),
              }),
            },
          },
        ],
      }),
      'RequestResponse',
    );
    expect(outcomesSchema.parse(JSON.parse(late.payload))[0]!.outcome).toBe('stale');
    expect(t.shards()).toBe(4);
  });
});
