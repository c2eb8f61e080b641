import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import type { Io } from '../../src/cli/context.js';
import { ManualClock } from '../../src/emulator/clock.js';
import { Emulator } from '../../src/emulator/emulator.js';
import { packagedStage } from '../support/packages.js';

let clock: ManualClock;
let emulator: Emulator;

beforeAll(async () => {
  const dir = await packagedStage('local');
  clock = new ManualClock(Date.UTC(2026, 2, 2, 9, 0, 0));
  emulator = await Emulator.start({
    port: 0,
    clock,
    reshardingMs: 30_000,
    onLambdaLog: () => undefined,
  });
  await emulator.deployPackage({ packageDir: dir, stackName: 'kinesis-autoscaler-local' });
});

afterAll(async () => {
  await emulator?.stop();
});

/** Runs `kas ...args` in-process and captures what it prints. */
async function kas(args: string[], env: NodeJS.ProcessEnv = { AWS_ENDPOINT_URL: emulator.url }) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false };
  const code = await runCli(args, io, { AWS_EC2_METADATA_DISABLED: 'true', ...env });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const json = <T>(text: string) => JSON.parse(text) as T;

describe('kas against the embedded emulator', () => {
  it('creates, subscribes, fires, waits and reads the log', async () => {
    let r = await kas(['create-stream', 'orders', '--shards', '1', '--no-wait']);
    expect(r).toMatchObject({ code: 0 });
    await clock.advance(5_000);

    r = await kas(['subscribe', 'orders', '--max-shards', '8', '--json']);
    expect(r.code).toBe(0);
    expect(json<{ alarms: { up: string }; tags: Record<string, string> }>(r.stdout)).toMatchObject({
      alarms: { up: 'kinesis-autoscaler-orders-scale-up' },
      tags: { 'kinesis-autoscaler:max-shards': '8' },
    });
    // Idempotent: the same subscription again succeeds. A second later on the emulator's clock, so
    // the account's PutMetricAlarm rate (3/s) has refilled in virtual time, not by real time passing.
    await clock.advance(1_000);
    const again = await kas(['subscribe', 'orders', '--max-shards', '8']);
    expect(again, again.stderr).toMatchObject({ code: 0 });

    r = await kas(['fire', 'orders', 'up']);
    expect(r).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('set kinesis-autoscaler-orders-scale-up to ALARM'),
    });
    await clock.advance(0);

    r = await kas(['wait', 'orders', '--shards', '2', '--timeout', '0']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /timed out .* stream orders to be ACTIVE with 2 open shards; it is UPDATING/,
    );

    await clock.advance(30_000);
    r = await kas(['wait', 'orders', '--shards', '2', '--json']);
    expect(r.code).toBe(0);
    expect(json<{ openShards: number }>(r.stdout).openShards).toBe(2);

    r = await kas(['logs', 'orders', '--json']);
    expect(json<unknown[]>(r.stdout)).toEqual([
      expect.objectContaining({
        stream_name: 'orders',
        scaling_type: 'SCALE_UP',
        shard_count: 1,
        target_shard_count: 2,
      }),
    ]);

    r = await kas(['status', '--json']);
    expect(json<unknown[]>(r.stdout)).toEqual([
      expect.objectContaining({
        stream: 'orders',
        status: 'ACTIVE',
        openShards: 2,
        alarms: expect.objectContaining({
          up: expect.objectContaining({ shardCount: 2, threshold: 0.75 }),
        }),
      }),
    ]);
    r = await kas(['status']);
    expect(r.stdout).toMatch(/orders\s+│ ACTIVE\s+│ 2 /);

    r = await kas(['unsubscribe', 'orders']);
    expect(r.stdout).toMatch(
      /deleted alarms kinesis-autoscaler-orders-scale-up, kinesis-autoscaler-orders-scale-down/,
    );
  });

  it.each([
    [
      ['fire', 'nope', 'up'],
      1,
      /alarm kinesis-autoscaler-nope-scale-up does not exist: run `kas subscribe nope` first/,
    ],
    [['subscribe', 'nope'], 1, /stream nope does not exist/],
    [['fire', 'orders', 'sideways'], 2, /direction must be "up" or "down"/],
    [
      ['create-stream', 'x', '--shards', 'many'],
      2,
      /--shards takes a whole number of at least 1, got "many"/,
    ],
    [
      ['load', 'orders', '--mibps', '2', '--records-per-second', '1', '--duration', '1'],
      2,
      /over Kinesis's 1 MiB limit/,
    ],
    [
      ['subscribe', 'orders', '--target-utilization', '2'],
      2,
      /--target-utilization takes a number in \(0, 1\]/,
    ],
    [['logs', 'orders', '--stage', 'other'], 1, /not deployed for stage other in us-east-1/],
    [['create-stream', 'orders', '--shards', '1'], 1, /stream orders already exists/],
    [['frobnicate'], 2, /unknown command 'frobnicate'/],
  ])('kas %j exits %i with a clear error', async (args, code, message) => {
    const r = await kas(args);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
  });

  it('deploys into a running embedded emulator with sls deploy, as an update of its stack', async () => {
    const before = emulator.cloudformation.getStack('us-east-1', 'kinesis-autoscaler-local');
    const r = await kas(['deploy', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json<{ outputs: Record<string, string> }>(r.stdout).outputs).toMatchObject({
      ScaleUpTopicArn: 'arn:aws:sns:us-east-1:000000000000:kinesis-autoscaler-scale-up-local',
      ScalingLogTableName: 'kinesis-autoscaler-logs-local',
    });
    // The framework's progress went to stderr; the stack is the same one, updated in place.
    expect(r.stderr).toMatch(/Service deployed to stack kinesis-autoscaler-local/);
    const after = emulator.cloudformation.getStack('us-east-1', 'kinesis-autoscaler-local');
    expect(after?.stackId).toBe(before?.stackId);
    expect(after?.status).toBe('UPDATE_COMPLETE');
  });

  it('refuses to send a stage other than local to an endpoint', async () => {
    const r = await kas(['deploy', '--stage', 'prod']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stage prod cannot be deployed to http:\/\/127\.0\.0\.1:\d+/);
  });

  it('says when the endpoint is unreachable', async () => {
    const port = await freePort();
    const r = await kas(['status'], { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /endpoint unreachable: http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. Is the emulator/,
    );
  });

  it('says when real AWS has no credentials', async () => {
    const r = await kas(['status'], {
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      AWS_CONFIG_FILE: '/nonexistent',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no AWS credentials found for real AWS/);
  });

  it('prints help for every command', async () => {
    for (const cmd of [
      'local',
      'deploy',
      'create-stream',
      'subscribe',
      'unsubscribe',
      'fire',
      'load',
      'status',
      'logs',
      'wait',
    ]) {
      const r = await kas([cmd, '--help']);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(/Usage: kas /);
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
