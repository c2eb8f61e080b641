/**
 * The AWS CLI v2 against the embedded emulator. The CLI is a second, independent client stack
 * (botocore) whose serialisers differ from the JS SDK's: it speaks the Query protocol to
 * CloudWatch, flattens `--metrics` into `Metrics.member.N.*` form fields and parses XML with its own
 * rules, so it catches wire-format mistakes the SDK-based tests cannot.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ManualClock } from './clock.js';
import { Emulator } from './emulator.js';

const execFileAsync = promisify(execFile);

/** `AWS_CLI`, else the first `aws` on PATH (Debian puts it in /usr/bin, GitHub's images elsewhere). */
function findCli(): string | undefined {
  if (process.env.AWS_CLI) return process.env.AWS_CLI;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, 'aws'))) return join(dir, 'aws');
  }
  return undefined;
}

/** The CLI's major version: these tests are written against v2's serialisers and output. */
function cliMajorVersion(cli: string): number | undefined {
  try {
    const out = execFileSync(cli, ['--version'], { encoding: 'utf8', timeout: 60_000 });
    const m = /aws-cli\/(\d+)\./.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const AWS = findCli();
const AWS_VERSION = AWS === undefined ? undefined : cliMajorVersion(AWS);
const HAVE_CLI = AWS_VERSION === 2;
if (!HAVE_CLI) {
  const why =
    AWS === undefined
      ? 'no `aws` on PATH'
      : `${AWS} is ${AWS_VERSION === undefined ? 'not a working AWS CLI' : `AWS CLI v${AWS_VERSION}`}`;
  if (process.env.CI === 'true') {
    throw new Error(`the AWS CLI v2 is required in CI, but ${why} (set AWS_CLI to point at one)`);
  }
  console.warn(`skipping aws-cli.test.ts: ${why}; these tests need the AWS CLI v2 (set AWS_CLI)`);
}

const START = Date.UTC(2026, 2, 2, 10, 0, 0);
/** Serves every test but the Kinesis one; its clock never moves, so alarm states stay put. */
let emulator: Emulator;
/** The Kinesis test advances time; on a separate emulator it cannot re-evaluate others' alarms. */
let kinesisClock: ManualClock;
let kinesisEmulator: Emulator;

/**
 * At most this many CLI processes at once: each spends ~0.5 s of CPU starting Python, and a burst
 * of them on a 2-core machine makes every one slow.
 */
const MAX_CLI_PROCESSES = 4;
let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CLI_PROCESSES) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one CLI command; a non-zero exit is returned, not thrown, so tests can assert on errors. */
async function cli(args: string[], target: Emulator = emulator): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    // A stray AWS_PROFILE or region from the developer's shell must not leak into the run.
    AWS_DEFAULT_REGION: 'us-east-1',
  };
  const argv = ['--endpoint-url', target.url, '--region', 'us-east-1', '--output', 'json'];
  try {
    const { stdout, stderr } = await limited(() =>
      execFileAsync(AWS!, [...argv, ...args], { env }),
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Runs a command that must succeed and parses its JSON output (empty output is `{}`). */
async function ok<T = Record<string, unknown>>(
  args: string[],
  target: Emulator = emulator,
): Promise<T> {
  const r = await cli(args, target);
  if (r.code !== 0) {
    throw new Error(`aws ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  }
  return (r.stdout.trim() === '' ? {} : JSON.parse(r.stdout)) as T;
}

beforeAll(async () => {
  emulator = await Emulator.start({ port: 0, clock: new ManualClock(START) });
  kinesisClock = new ManualClock(START);
  kinesisEmulator = await Emulator.start({ port: 0, clock: kinesisClock });
});

afterAll(async () => {
  await emulator?.stop();
  await kinesisEmulator?.stop();
});

// The tests share no state, so they run concurrently: each CLI call is mostly Python start-up,
// and ~28 calls in series take ~25 s. The config's hang guard covers machines shared with other jobs.
describe.skipIf(!HAVE_CLI).concurrent('AWS CLI v2 against the emulator', () => {
  it('drives Kinesis through its lifecycle', async ({ expect }) => {
    await ok(
      ['kinesis', 'create-stream', '--stream-name', 'cli', '--shard-count', '2'],
      kinesisEmulator,
    );
    // CreateStream leaves the stream CREATING until the (virtual) creation time has passed.
    await kinesisClock.advance(60_000);
    const summary = await ok<{
      StreamDescriptionSummary: { StreamStatus: string; OpenShardCount: number };
    }>(['kinesis', 'describe-stream-summary', '--stream-name', 'cli'], kinesisEmulator);
    expect(summary.StreamDescriptionSummary).toMatchObject({
      StreamStatus: 'ACTIVE',
      OpenShardCount: 2,
    });

    const [put, tagged, shards] = await Promise.all([
      ok<{ ShardId: string; SequenceNumber: string }>(
        [
          'kinesis',
          'put-record',
          '--cli-binary-format',
          'raw-in-base64-out',
          '--stream-name',
          'cli',
          '--partition-key',
          'pk-1',
          '--data',
          'hello from the cli',
        ],
        kinesisEmulator,
      ),
      ok(
        ['kinesis', 'add-tags-to-stream', '--stream-name', 'cli', '--tags', 'team=data,env=test'],
        kinesisEmulator,
      ),
      ok<{ Shards: { ShardId: string; HashKeyRange: { StartingHashKey: string } }[] }>(
        ['kinesis', 'list-shards', '--stream-name', 'cli'],
        kinesisEmulator,
      ),
    ]);
    expect(put.ShardId).toMatch(/^shardId-\d{12}$/);
    expect(put.SequenceNumber).toMatch(/^\d+$/);
    expect(tagged).toEqual({});
    expect(shards.Shards.map((s) => s.ShardId)).toEqual([
      'shardId-000000000000',
      'shardId-000000000001',
    ]);
    expect(shards.Shards[0]!.HashKeyRange.StartingHashKey).toBe('0');

    const [tags, update] = await Promise.all([
      ok<{ Tags: { Key: string; Value: string }[] }>(
        ['kinesis', 'list-tags-for-stream', '--stream-name', 'cli'],
        kinesisEmulator,
      ),
      ok(
        [
          'kinesis',
          'update-shard-count',
          '--stream-name',
          'cli',
          '--target-shard-count',
          '4',
          '--scaling-type',
          'UNIFORM_SCALING',
        ],
        kinesisEmulator,
      ),
    ]);
    expect(tags.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'data' },
        { Key: 'env', Value: 'test' },
      ]),
    );
    expect(update).toMatchObject({
      StreamName: 'cli',
      CurrentShardCount: 2,
      TargetShardCount: 4,
    });

    // A second resharding while UPDATING is refused with AWS's code and a failing exit status.
    const busy = await cli(
      [
        'kinesis',
        'update-shard-count',
        '--stream-name',
        'cli',
        '--target-shard-count',
        '3',
        '--scaling-type',
        'UNIFORM_SCALING',
      ],
      kinesisEmulator,
    );
    expect(busy.code).not.toBe(0);
    expect(busy.stderr).toContain('ResourceInUseException');

    await kinesisClock.advance(10 * 60_000);
    const after = await ok<{
      StreamDescriptionSummary: { StreamStatus: string; OpenShardCount: number };
    }>(['kinesis', 'describe-stream-summary', '--stream-name', 'cli'], kinesisEmulator);
    expect(after.StreamDescriptionSummary).toMatchObject({
      StreamStatus: 'ACTIVE',
      OpenShardCount: 4,
    });
  });

  it('speaks CloudWatch Query/XML: metrics, a metric-math alarm and errors', async ({ expect }) => {
    const t = new Date(START - 120_000).toISOString();
    await ok([
      'cloudwatch',
      'put-metric-data',
      '--namespace',
      'Cli/Test',
      '--metric-data',
      JSON.stringify([
        {
          MetricName: 'Writes',
          Dimensions: [{ Name: 'StreamName', Value: 'cli' }],
          Timestamp: t,
          Value: 40,
          Unit: 'Count',
        },
        {
          MetricName: 'Writes',
          Dimensions: [{ Name: 'StreamName', Value: 'cli' }],
          Timestamp: t,
          Value: 2,
          Unit: 'Count',
        },
      ]),
    ]);
    const stats = await ok<{
      Label: string;
      Datapoints: { Sum: number; Maximum: number; SampleCount: number; Unit: string }[];
    }>([
      'cloudwatch',
      'get-metric-statistics',
      '--namespace',
      'Cli/Test',
      '--metric-name',
      'Writes',
      '--dimensions',
      'Name=StreamName,Value=cli',
      '--start-time',
      new Date(START - 600_000).toISOString(),
      '--end-time',
      new Date(START).toISOString(),
      '--period',
      '60',
      '--statistics',
      'Sum',
      'Maximum',
      'SampleCount',
    ]);
    expect(stats.Label).toBe('Writes');
    expect(stats.Datapoints).toHaveLength(1);
    expect(stats.Datapoints[0]).toMatchObject({
      Sum: 42,
      Maximum: 40,
      SampleCount: 2,
      Unit: 'Count',
    });

    // The autoscaler's alarm shape: two MetricStats, a shard-count constant, FILL and MAX([..]).
    const stat = (id: string, metric: string) => ({
      Id: id,
      Label: metric,
      ReturnData: false,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Kinesis',
          MetricName: metric,
          Dimensions: [{ Name: 'StreamName', Value: 'cli' }],
        },
        Period: 60,
        Stat: 'Sum',
      },
    });
    const metrics = [
      stat('m1', 'IncomingBytes'),
      stat('m2', 'IncomingRecords'),
      { Id: 'shardCount', Expression: '4', Label: 'Open shard count', ReturnData: false },
      { Id: 'e1', Expression: 'FILL(m1,0)', ReturnData: false },
      { Id: 'e2', Expression: 'FILL(m2,0)', ReturnData: false },
      { Id: 'e3', Expression: 'e1/(1048576*60*shardCount)', ReturnData: false },
      { Id: 'e4', Expression: 'e2/(1000*60*shardCount)', ReturnData: false },
      { Id: 'usage', Expression: 'MAX([e3,e4])', Label: 'WriteCapacityUsage', ReturnData: true },
    ];
    await ok([
      'cloudwatch',
      'put-metric-alarm',
      '--alarm-name',
      'cli-up',
      '--alarm-description',
      'scale up',
      '--evaluation-periods',
      '2',
      '--datapoints-to-alarm',
      '2',
      '--threshold',
      '0.75',
      '--comparison-operator',
      'GreaterThanOrEqualToThreshold',
      '--treat-missing-data',
      'notBreaching',
      '--metrics',
      JSON.stringify(metrics),
    ]);

    const described = await ok<{ MetricAlarms: Record<string, unknown>[] }>([
      'cloudwatch',
      'describe-alarms',
      '--alarm-names',
      'cli-up',
    ]);
    expect(described.MetricAlarms).toHaveLength(1);
    const alarm = described.MetricAlarms[0]!;
    expect(alarm).toMatchObject({
      AlarmName: 'cli-up',
      AlarmDescription: 'scale up',
      StateValue: 'INSUFFICIENT_DATA',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 0.75,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarm.AlarmArn).toBe('arn:aws:cloudwatch:us-east-1:000000000000:alarm:cli-up');
    // Each query must come back whole and in order, MetricStat and dimensions included.
    const roundTrip = (alarm.Metrics as Record<string, unknown>[]).map((q) => {
      const out: Record<string, unknown> = { ...q };
      if (out.Label === undefined) delete out.Label;
      return out;
    });
    expect(roundTrip).toEqual(metrics);
    expect(alarm).not.toHaveProperty('MetricName');

    await ok([
      'cloudwatch',
      'set-alarm-state',
      '--alarm-name',
      'cli-up',
      '--state-value',
      'ALARM',
      '--state-reason',
      'testing from the cli',
    ]);
    const [inAlarm, badPeriod] = await Promise.all([
      ok<{ MetricAlarms: { StateValue: string; StateReason: string }[] }>([
        'cloudwatch',
        'describe-alarms',
        '--alarm-names',
        'cli-up',
        '--state-value',
        'ALARM',
      ]),
      cli([
        'cloudwatch',
        'put-metric-alarm',
        '--alarm-name',
        'cli-bad',
        '--namespace',
        'Cli/Test',
        '--metric-name',
        'Writes',
        '--statistic',
        'Sum',
        '--period',
        '45',
        '--evaluation-periods',
        '1',
        '--threshold',
        '1',
        '--comparison-operator',
        'GreaterThanThreshold',
      ]),
    ]);
    expect(inAlarm.MetricAlarms).toHaveLength(1);
    expect(inAlarm.MetricAlarms[0]).toMatchObject({
      StateValue: 'ALARM',
      StateReason: 'testing from the cli',
    });
    expect(badPeriod.code).not.toBe(0);
    // botocore prints `An error occurred (<Code>) when calling the PutMetricAlarm operation: ...`.
    expect(badPeriod.stderr).toMatch(
      /An error occurred \((ValidationError|InvalidParameterValue|InvalidParameterCombination)\) when calling the PutMetricAlarm operation/,
    );
  });

  it('publishes to an SNS topic', async ({ expect }) => {
    const created = await ok<{ TopicArn: string }>(['sns', 'create-topic', '--name', 'cli-topic']);
    expect(created.TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:cli-topic');
    const [topics, attributes, published] = await Promise.all([
      ok<{ Topics: { TopicArn: string }[] }>(['sns', 'list-topics']),
      ok<{ Attributes: Record<string, string> }>([
        'sns',
        'get-topic-attributes',
        '--topic-arn',
        created.TopicArn,
      ]),
      ok<{ MessageId: string }>([
        'sns',
        'publish',
        '--topic-arn',
        created.TopicArn,
        '--subject',
        'hello',
        '--message',
        '{"from":"cli"}',
      ]),
    ]);
    expect(topics.Topics).toContainEqual({ TopicArn: created.TopicArn });
    expect(attributes.Attributes).toMatchObject({
      TopicArn: created.TopicArn,
      Owner: '000000000000',
    });
    expect(published.MessageId).toMatch(/^[0-9a-f-]{36}$/);

    const missing = await cli([
      'sns',
      'publish',
      '--topic-arn',
      'arn:aws:sns:us-east-1:000000000000:nope',
      '--message',
      'x',
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('(NotFound)');
  });

  it('stores and queries DynamoDB items', async ({ expect }) => {
    const table = await ok<{ TableDescription: { TableName: string; TableStatus: string } }>([
      'dynamodb',
      'create-table',
      '--table-name',
      'cli-log',
      '--attribute-definitions',
      'AttributeName=stream_name,AttributeType=S',
      'AttributeName=ts,AttributeType=N',
      '--key-schema',
      'AttributeName=stream_name,KeyType=HASH',
      'AttributeName=ts,KeyType=RANGE',
      '--billing-mode',
      'PAY_PER_REQUEST',
    ]);
    expect(table.TableDescription.TableName).toBe('cli-log');
    await Promise.all(
      [1, 2].map((ts) =>
        ok([
          'dynamodb',
          'put-item',
          '--table-name',
          'cli-log',
          '--item',
          JSON.stringify({
            stream_name: { S: 'cli' },
            ts: { N: String(ts) },
            scaling_type: { S: ts === 1 ? 'SCALE_UP' : 'SCALE_DOWN' },
          }),
        ]),
      ),
    );
    const queried = await ok<{
      Count: number;
      Items: Record<string, { S?: string; N?: string }>[];
    }>([
      'dynamodb',
      'query',
      '--table-name',
      'cli-log',
      '--key-condition-expression',
      'stream_name = :s',
      '--expression-attribute-values',
      JSON.stringify({ ':s': { S: 'cli' } }),
    ]);
    expect(queried.Count).toBe(2);
    expect(queried.Items.map((i) => [i.ts?.N, i.scaling_type?.S])).toEqual([
      ['1', 'SCALE_UP'],
      ['2', 'SCALE_DOWN'],
    ]);
  });

  it('answers CloudFormation reads', async ({ expect }) => {
    const [exports, unknown] = await Promise.all([
      ok<{ Exports: unknown[] }>(['cloudformation', 'list-exports']),
      cli(['cloudformation', 'describe-stacks', '--stack-name', 'no-such-stack']),
    ]);
    expect(exports.Exports).toEqual([]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('(ValidationError)');
    expect(unknown.stderr).toContain('no-such-stack');
  });
});
