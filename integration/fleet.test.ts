import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../src/aws/clients.js';
import { alarmNames, buildAlarmPair } from '../src/autoscaler/alarm-contract.js';
import type { ScalingLogEntry } from '../src/autoscaler/scaling-log.js';
import { ManualClock } from '../src/emulator/clock.js';
import { putMetricAlarmSchema } from '../src/emulator/cloudwatch/schemas.js';
import { Emulator } from '../src/emulator/emulator.js';
import { packagedStage } from '../test/support/packages.js';

/**
 * The fleet scenario (issue 11): 200 subscribed one-shard streams cross their scale-up threshold in
 * the same minute, on the embedded emulator in virtual time, through the packaged autoscaler (SNS,
 * Lambda, CloudWatch, Kinesis and DynamoDB as deployed), with the emulator's per-account API rate
 * limits in force where the emulator has them. Every stream must reach its target within 15
 * simulated minutes, with no alarm left in ALARM and one scaling-log row per scaling.
 *
 * The set-up goes straight to the emulator's models (it is not under test, and as API calls it
 * would spend the rate limits the scenario is about); the load is the metric CloudWatch would
 * receive from Kinesis: 90% of one shard's write capacity every minute from the trigger on.
 */
/**
 * The issue's 200 streams, in `npm test` too: about 22 s of CPU now that the Lambdas' waits cost no
 * real time under the virtual clock (see the README). `FLEET_STREAMS` sets another size.
 */
const STREAMS = Number(process.env.FLEET_STREAMS ?? 200);
const MINUTE = 60_000;
const MIB = 1024 * 1024;
const START = Date.UTC(2026, 2, 2, 9, 0, 0);
const RESHARDING_MS = 30_000;

let clock: ManualClock;
let emulator: Emulator;
let clients: AwsClients;
let lambdaLines = 0;
const decisions: { outcome: string; streamName?: string }[] = [];
const names = Array.from({ length: STREAMS }, (_, i) => `fleet-${String(i).padStart(3, '0')}`);

beforeAll(async () => {
  const packageDir = await packagedStage('local');
  clock = new ManualClock(START);
  emulator = await Emulator.start({
    port: 0,
    clock,
    reshardingMs: RESHARDING_MS,
    onLambdaLog: (_fn, line) => {
      lambdaLines++;
      const at = line.indexOf('{"');
      if (at < 0 || !line.includes('"message":"decision"')) return;
      decisions.push(JSON.parse(line.slice(at)) as { outcome: string; streamName?: string });
    },
  });
  const stack = await emulator.deployPackage({ packageDir, stackName: 'kinesis-autoscaler-local' });
  clients = createClients({ endpoint: emulator.url, region: 'us-east-1' }, {});
  const { kinesis, cloudwatch } = emulator.region();
  // Min shards 2 keeps the scale-down alarms quiet once the streams are at their target, so the
  // scenario measures the scale-up storm alone.
  for (const name of names) {
    kinesis.createStream({
      StreamName: name,
      ShardCount: 1,
      Tags: { 'kinesis-autoscaler:min-shards': '2' },
    });
  }
  await clock.advance(kinesis.creatingMs);
  for (const name of names) {
    const pair = buildAlarmPair({
      streamName: name,
      shardCount: 1,
      scaleUpTopicArn: stack.outputs.ScaleUpTopicArn!,
      scaleDownTopicArn: stack.outputs.ScaleDownTopicArn!,
      scaleDownActionsEnabled: false,
    });
    cloudwatch.putMetricAlarm(putMetricAlarmSchema.parse(pair.up));
    cloudwatch.putMetricAlarm(putMetricAlarmSchema.parse(pair.down));
  }
  // Let the new alarms settle on OK before the load arrives.
  await clock.advance(3 * MINUTE);
});

afterAll(async () => {
  for (const c of Object.values(clients ?? {})) c.destroy();
  await emulator?.stop();
});

/** One minute of writes at 90% of a shard's capacity, as Kinesis reports it to CloudWatch. */
function loadMinute(at: number): void {
  const { cloudwatch } = emulator.region();
  const minute = Math.floor(at / MINUTE) * MINUTE;
  const bytes = 0.9 * MIB * 60;
  for (const name of names) {
    for (const [metricName, sum] of [
      ['IncomingBytes', bytes],
      ['IncomingRecords', bytes / 4096],
    ] as const) {
      cloudwatch.putMetric({
        namespace: 'AWS/Kinesis',
        metricName,
        dimensions: [{ name: 'StreamName', value: name }],
        timestamp: minute,
        sum,
        sampleCount: 1,
        min: sum,
        max: sum,
      });
    }
  }
}

async function scalingRows(): Promise<ScalingLogEntry[]> {
  const rows: ScalingLogEntry[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await clients.dynamodb.send(
      new ScanCommand({ TableName: 'kinesis-autoscaler-logs-local', ExclusiveStartKey: start }),
    );
    rows.push(...((out.Items ?? []) as ScalingLogEntry[]));
    start = out.LastEvaluatedKey;
  } while (start);
  return rows;
}

describe(`a fleet of ${STREAMS} streams crossing their threshold in the same minute`, () => {
  it(
    'scales every stream to its target within 15 minutes, once, leaving no alarm stuck',
    async () => {
      const { kinesis, cloudwatch } = emulator.region();
      const wall = performance.now();
      const cpu = process.cpuUsage();
      const trigger = clock.now();
      let reachedAt: number | undefined;
      for (let minute = 0; minute < 15; minute++) {
        loadMinute(clock.now());
        await clock.advance(MINUTE);
        const done = names.every((name) => {
          const s = kinesis.describeStreamSummary({ StreamName: name }).StreamDescriptionSummary;
          return s.StreamStatus === 'ACTIVE' && s.OpenShardCount === 2;
        });
        if (done && reachedAt === undefined) reachedAt = clock.now();
        // Two more minutes at target show that nothing is left stuck or scales again.
        if (reachedAt !== undefined && clock.now() - reachedAt >= 2 * MINUTE) break;
      }
      const seconds = (performance.now() - wall) / 1000;
      const used = process.cpuUsage(cpu);
      // CPU time of this process (test, emulator and Lambda worker threads): the figure that does not
      // depend on how busy the machine is.
      const cpuSeconds = (used.user + used.system) / 1e6;
      const rows = await scalingRows();
      const alarms = cloudwatch.describeAlarms({
        AlarmNames: names.flatMap((n) => Object.values(alarmNames(n))).slice(0, 100),
      });
      const stuck = names.flatMap((n) =>
        cloudwatch
          .describeAlarms({ AlarmNames: Object.values(alarmNames(n)) })
          .MetricAlarms.filter((a) => a.StateValue === 'ALARM')
          .map((a) => a.AlarmName),
      );
      const outcomes: Record<string, number> = {};
      for (const d of decisions) outcomes[d.outcome] = (outcomes[d.outcome] ?? 0) + 1;
      process.stderr.write(
        `[fleet] ${STREAMS} streams: all at target after ${reachedAt === undefined ? 'never' : `${(reachedAt - trigger) / MINUTE} simulated min`}; ` +
          `${rows.length} log rows; ${stuck.length} alarms in ALARM; decisions ${JSON.stringify(outcomes)}; ` +
          `${lambdaLines} Lambda log lines; ${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU\n`,
      );
      expect(alarms.MetricAlarms.length).toBeGreaterThan(0);
      expect(reachedAt).toBeDefined();
      expect(reachedAt! - trigger).toBeLessThanOrEqual(15 * MINUTE);
      expect(stuck).toEqual([]);
      expect(rows).toHaveLength(STREAMS);
      expect(new Set(rows.map((r) => r.stream_name)).size).toBe(STREAMS);
      for (const r of rows) {
        expect(r).toMatchObject({ shard_count: 1, target_shard_count: 2, status: 'done' });
      }
    },
    120_000 + STREAMS * 4_000,
  );
});
