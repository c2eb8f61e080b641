import { DeleteAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmNames, readAlarmContract, rewriteAlarm } from '../src/autoscaler/alarm-contract.js';
import {
  alarmShardCounts,
  alarmState,
  corruptShardCount,
  eventually,
  invokeReconciler,
  openShards,
  removeStream,
  scalingLog,
  subscribedStream,
} from './helpers.js';
import { chosenTarget, openTarget, type E2ETarget } from './target.js';

/**
 * Fault injection (issue 11): a service the scaling functions need fails for longer than Lambda's
 * async retries (attempts about 0, 1 and 3 minutes after the alarm fires), which leaves the
 * scale-up alarm in ALARM with nothing to fire it again; the reconciler must bring it back. Needs
 * a target that can make a service fail: the embedded emulator.
 */
const targetName = chosenTarget();
let t: E2ETarget;
const created: string[] = [];
const MINUTE = 60_000;

beforeAll(async () => {
  t = await openTarget(targetName);
}, 900_000);

afterAll(async () => {
  if (!t) return;
  for (const name of created) await removeStream(t, name);
  await t.close();
}, 900_000);

/**
 * A one-shard stream whose scale-up alarm's condition holds by itself (usage >= 0), so the
 * alarm fires at its next evaluation and again whenever it is re-armed, as it
 * would under a sustained load; max shards 2 ends the scaling there.
 */
async function hotStream(base: string): Promise<string> {
  const name = await subscribedStream(t, base, 1, { maxShards: 2 });
  created.push(name);
  const up = (await alarmState(t, name, 'up'))!;
  await t.clients.cloudwatch.send(
    new PutMetricAlarmCommand({
      ...rewriteAlarm(up, readAlarmContract(up).shardCount),
      Threshold: 0,
    }),
  );
  return name;
}

describe(`fault injection on ${targetName}`, { timeout: 900_000 }, () => {
  it.for(['dynamodb', 'cloudwatch', 'kinesis'] as const)(
    '%s failing for longer than the retries: the reconciler recovers the stuck alarm',
    async (service, ctx) => {
      if (!t.injectFault) {
        ctx.skip(`${targetName} cannot inject faults`);
        return;
      }
      const name = await hotStream(`fault-${service}`);
      t.injectFault(service, 6 * MINUTE);
      // The alarm fires within a minute; every attempt, and both retries, fail.
      await t.sleep(6 * MINUTE + 1000);
      expect((await alarmState(t, name, 'up'))?.StateValue).toBe('ALARM');
      expect(await openShards(t, name)).toBe(1);
      expect(await scalingLog(t, name)).toEqual([]);
      if (t.name === 'embedded') {
        const failures = t.lambdaLogs().filter((l) => l.includes(name) && l.includes('retryable'));
        expect(failures.length).toBeGreaterThanOrEqual(3);
      }

      const report = await invokeReconciler(t);
      const mine = report.results.find((r) => r.streamName === name);
      expect(mine?.actions).toEqual([expect.stringMatching(`re-armed ${alarmNames(name).up}`)]);
      await eventually(t, 'the stream to scale', async () => (await openShards(t, name)) === 2);
      await eventually(t, 'the resharding to end', async () => {
        const log = await scalingLog(t, name);
        return log.length === 1 && (await alarmShardCounts(t, name)).up === 2;
      });
      expect(await scalingLog(t, name)).toEqual([
        expect.objectContaining({ shard_count: 1, target_shard_count: 2, status: 'done' }),
      ]);
      expect(await alarmShardCounts(t, name)).toEqual({ up: 2, down: 2 });
    },
  );

  it('repairs an out-of-sync alarm and recreates a deleted one without any notification', async () => {
    const name = await subscribedStream(t, 'reconcile-repair', 2, { minShards: 2 });
    created.push(name);
    await corruptShardCount(t, name, 'up', 5);
    await t.clients.cloudwatch.send(
      new DeleteAlarmsCommand({ AlarmNames: [alarmNames(name).down] }),
    );
    const report = await invokeReconciler(t);
    const mine = report.results.find((r) => r.streamName === name);
    expect(mine?.actions).toEqual([expect.stringMatching(/assumes 5 shards, the stream has 2/)]);
    expect(await alarmShardCounts(t, name)).toEqual({ up: 2, down: 2 });
    // At min shards the recreated scale-down alarm stays quiet.
    expect((await alarmState(t, name, 'down'))?.ActionsEnabled).toBe(false);
    expect(await scalingLog(t, name)).toEqual([]);
  });
});
