/**
 * Kinesis through the AWS CLI v2 (botocore, a second client stack): the operations and error
 * semantics added for real clients, on an emulator driven by a ManualClock.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, startHarness, type Harness } from './harness.js';

const execFileAsync = promisify(execFile);
const AWS = process.env.AWS_CLI || '/usr/bin/aws';
const HAVE_CLI = existsSync(AWS);
if (!HAVE_CLI && process.env.CI === 'true') {
  throw new Error(`the AWS CLI v2 is required in CI but ${AWS} does not exist`);
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ reshardingMs: 10_000, creatingMs: 500 });
});
afterAll(async () => {
  await h?.close();
});

async function aws(...args: string[]): Promise<{ code: number; out: unknown; err: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_MAX_ATTEMPTS: '1',
  };
  const argv = ['--endpoint-url', h.url, '--region', 'us-east-1', '--output', 'json', 'kinesis'];
  try {
    const { stdout } = await execFileAsync(AWS, [...argv, ...args], { env, timeout: 60_000 });
    return { code: 0, out: stdout.trim() ? (JSON.parse(stdout) as unknown) : undefined, err: '' };
  } catch (e) {
    const x = e as { code?: number; stderr?: string };
    if (typeof x.code !== 'number') throw e;
    return { code: x.code, out: undefined, err: x.stderr ?? '' };
  }
}

describe.skipIf(!HAVE_CLI)('Kinesis with the AWS CLI v2', () => {
  it('splits and merges shards, keeps the scaling quota, and reports errors by name', async () => {
    expect((await aws('create-stream', '--stream-name', 'cli', '--shard-count', '1')).code).toBe(0);
    await h.clock.advance(500);
    const split = await aws(
      'split-shard',
      '--stream-name',
      'cli',
      '--shard-to-split',
      'shardId-0',
      '--new-starting-hash-key',
      (2n ** 127n).toString(),
    );
    expect(split).toMatchObject({ code: 0, out: undefined });
    await h.clock.advance(10_000);
    const merge = await aws(
      'merge-shards',
      '--stream-name',
      'cli',
      '--shard-to-merge',
      'shardId-000000000001',
      '--adjacent-shard-to-merge',
      'shardId-000000000002',
    );
    expect(merge.code).toBe(0);
    await h.clock.advance(10_000);
    const shards = (await aws('list-shards', '--stream-name', 'cli')).out as {
      Shards: { ShardId: string; ParentShardId?: string; AdjacentParentShardId?: string }[];
    };
    expect(shards.Shards.at(-1)).toMatchObject({
      ShardId: 'shardId-000000000003',
      ParentShardId: 'shardId-000000000001',
      AdjacentParentShardId: 'shardId-000000000002',
    });
    expect(h.model.scalingOperationsLeft({ StreamName: 'cli' })).toBe(10);
    // botocore checks lengths and ranges itself; the name pattern is the server's to refuse.
    const bad = await aws('create-stream', '--stream-name', 'bad name!', '--shard-count', '1');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('ValidationException');
    expect(bad.err).toContain(
      "1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    );
  }, 120_000);

  it('changes retention, monitoring and consumers, and describes limits', async () => {
    expect(
      (
        await aws(
          'increase-stream-retention-period',
          '--stream-name',
          'cli',
          '--retention-period-hours',
          '72',
        )
      ).code,
    ).toBe(0);
    const monitoring = (
      await aws(
        'enable-enhanced-monitoring',
        '--stream-name',
        'cli',
        '--shard-level-metrics',
        'IncomingBytes',
      )
    ).out as { DesiredShardLevelMetrics: string[] };
    expect(monitoring.DesiredShardLevelMetrics).toEqual(['IncomingBytes']);
    const arn = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/cli`;
    const consumer = (
      await aws('register-stream-consumer', '--stream-arn', arn, '--consumer-name', 'app')
    ).out as { Consumer: { ConsumerName: string; ConsumerStatus: string } };
    expect(consumer.Consumer).toMatchObject({ ConsumerName: 'app', ConsumerStatus: 'CREATING' });
    const summary = (await aws('describe-stream-summary', '--stream-name', 'cli')).out as {
      StreamDescriptionSummary: { RetentionPeriodHours: number; ConsumerCount: number };
    };
    expect(summary.StreamDescriptionSummary).toMatchObject({
      RetentionPeriodHours: 72,
      ConsumerCount: 1,
    });
    const limits = (await aws('describe-limits')).out as {
      ShardLimit: number;
      OpenShardCount: number;
    };
    expect(limits).toMatchObject({ ShardLimit: 20_000, OpenShardCount: 1 });
  }, 120_000);
});
