/**
 * `npm run demo`: the whole system on the embedded emulator, in virtual time, in a few seconds.
 * It deploys the packaged autoscaler, creates a one-shard stream, subscribes it, then drives two
 * hours of traffic (a ramp past capacity, then a lull) and prints what happened minute by minute:
 * throughput, throttling, alarm states and every scaling. It exits non-zero if the stream did not
 * scale up under load and back down afterwards, so it doubles as a smoke test.
 */
import { parseArgs } from 'node:util';
import { createClients } from '../src/aws/clients.js';
import { ManualClock } from '../src/emulator/clock.js';
import { Emulator } from '../src/emulator/emulator.js';
import { MIB } from '../src/kit/load.js';
import { packageStage } from '../src/kit/package.js';
import { readScalingLog } from '../src/kit/scaling-log.js';
import { findAutoscaler, stackName } from '../src/kit/stack.js';
import { createStream, waitForStream } from '../src/kit/streams.js';
import { describeAlarms, subscribe } from '../src/kit/subscription.js';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { clientConfig } from '../src/aws/clients.js';

const { values: args } = parseArgs({ options: { json: { type: 'boolean', default: false } } });

/** MiB/s of 1 KiB records for each minute of the run. */
function demandAt(minute: number): number {
  if (minute < 10) return 0.5;
  if (minute < 30) return 1.5;
  if (minute < 45) return 3;
  return 0.2;
}
const MINUTES = 150;
const STREAM = 'demo-orders';

const clock = new ManualClock(Date.UTC(2026, 2, 2, 9, 0, 0));
const emulator = await Emulator.start({
  port: 0,
  clock,
  reshardingMs: 60_000,
  onLambdaLog: () => undefined,
});
const say = (line: string) => {
  if (!args.json) process.stdout.write(`${line}\n`);
};
try {
  say('packaging and deploying the autoscaler into the embedded emulator...');
  const dir = await packageStage('local');
  await emulator.deployPackage({ packageDir: dir, stackName: stackName('local') });
  const aws = { endpoint: emulator.url, region: 'us-east-1' };
  const clients = createClients(aws, {});
  const cf = new CloudFormationClient(clientConfig(aws, {}));
  const stack = await findAutoscaler(cf, 'local', 'us-east-1');
  cf.destroy();

  await createStream(clients.kinesis, { name: STREAM, shards: 1 });
  await waitForStream(clients.kinesis, STREAM, {
    timeoutMs: 60_000,
    pollMs: 1000,
    sleep: (ms) => clock.advance(ms),
    now: () => clock.now(),
  });
  await subscribe(clients, { stream: STREAM, stack });
  say(
    `stream ${STREAM}: 1 shard, subscribed to ${stack.scaleUpTopicArn.split(':').pop()} / ${stack.scaleDownTopicArn.split(':').pop()}\n`,
  );
  say(
    'time   demand MiB/s  accepted  throttled  shards  status    scale-up alarm      scale-down alarm',
  );

  const kinesis = emulator.region().kinesis;
  const rows: unknown[] = [];
  let offered = 0;
  let throttled = 0;
  let lastKey = '';
  for (let minute = 0; minute < MINUTES; minute++) {
    const mibps = demandAt(minute);
    const r = kinesis.ingest(STREAM, {
      bytesPerSecond: mibps * MIB,
      recordsPerSecond: (mibps * MIB) / 1024,
      seconds: 60,
    });
    offered += r.acceptedRecords + r.throttledRecords;
    throttled += r.throttledRecords;
    await clock.advance(60_000);
    const summary = kinesis.describeStreamSummary({ StreamName: STREAM }).StreamDescriptionSummary;
    const alarms = Object.fromEntries(
      (await describeAlarms(clients.cloudwatch, STREAM)).map((a) => [
        a.AlarmName?.endsWith('scale-up') ? 'up' : 'down',
        a.StateValue,
      ]),
    );
    const row = {
      time: new Date(clock.now()).toISOString().slice(11, 16),
      demandMiBps: mibps,
      acceptedRecords: r.acceptedRecords,
      throttledRecords: r.throttledRecords,
      openShards: summary.OpenShardCount,
      status: summary.StreamStatus,
      scaleUpAlarm: alarms.up,
      scaleDownAlarm: alarms.down,
    };
    rows.push(row);
    // Only minutes where something happened, so two hours fit on a screen.
    const key = `${mibps}|${row.openShards}|${row.status}|${row.scaleUpAlarm}|${row.scaleDownAlarm}|${r.throttledRecords > 0}`;
    if (key === lastKey && r.throttledRecords === 0) continue;
    lastKey = key;
    say(
      `${row.time}  ${mibps.toFixed(1).padStart(12)}  ${String(r.acceptedRecords).padStart(8)}  ${String(r.throttledRecords).padStart(9)}  ${String(row.openShards).padStart(6)}  ${String(row.status).padEnd(8)}  ${String(row.scaleUpAlarm).padEnd(18)}  ${row.scaleDownAlarm}`,
    );
  }

  const log = (await readScalingLog(clients.dynamodb, stack.logTable, STREAM, 50)).reverse();
  say('\nscaling log (DynamoDB kinesis-autoscaler-logs-local):');
  for (const e of log)
    say(
      `  ${e.scaling_datetime.slice(11, 19)}  ${e.scaling_type.padEnd(10)} ${e.shard_count} -> ${e.target_shard_count}  ${e.reason}`,
    );
  const ups = log.filter((e) => e.scaling_type === 'SCALE_UP').length;
  const downs = log.filter((e) => e.scaling_type === 'SCALE_DOWN').length;
  say(
    `\n${offered} records offered, ${throttled} throttled (${((100 * throttled) / offered).toFixed(2)}%); ${ups} scale-ups, ${downs} scale-downs`,
  );
  if (args.json)
    process.stdout.write(
      `${JSON.stringify({ minutes: rows, scalingLog: log, offered, throttled }, null, 2)}\n`,
    );
  for (const c of Object.values(clients)) c.destroy();
  if (ups === 0 || downs === 0) {
    process.stderr.write(
      'demo failed: the stream should have scaled up under load and down in the lull\n',
    );
    process.exitCode = 1;
  }
} finally {
  await emulator.stop();
}
