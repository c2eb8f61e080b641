/**
 * Fuzzes the edge server with thousands of random and malformed requests over raw HTTP, then checks
 * that the emulator still serves well-formed requests and that the state created beforehand is
 * untouched. Every client fault must come back as an AWS-shaped 4xx: a 5xx, an unshaped body, a
 * dropped connection or a hang is a bug. The PRNG is seeded, so a failure replays exactly; the
 * report names the request that caused each distinct anomaly. The bugs it found are kept, one
 * minimal repro each, in fuzz-regressions.test.ts.
 */
import {
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  type PutMetricAlarmInput,
} from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListTopicsCommand,
} from '@aws-sdk/client-sns';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../aws/clients.js';
import { ManualClock } from './clock.js';
import { Emulator } from './emulator.js';
import { fuzzRequests } from './fuzz-generator.js';
import { printReport, runFuzz, type FuzzReport } from './fuzz-runner.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_2026);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 4_000);

const START = Date.UTC(2026, 2, 2, 10, 0, 0);
let clock: ManualClock;
let emulator: Emulator;
let clients: AwsClients;
let report: FuzzReport;

const KEEP_STREAM = 'keep-stream';
const KEEP_TOPIC = 'keep-topic';
const KEEP_TABLE = 'keep-table';
const keepAlarm: PutMetricAlarmInput = {
  AlarmName: 'keep-alarm',
  EvaluationPeriods: 1,
  Threshold: 0.8,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'ignore',
  Metrics: [
    {
      Id: 'm1',
      ReturnData: false,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Kinesis',
          MetricName: 'IncomingBytes',
          Dimensions: [{ Name: 'StreamName', Value: KEEP_STREAM }],
        },
        Period: 60,
        Stat: 'Sum',
      },
    },
    { Id: 'usage', Expression: 'FILL(m1,0)/(1048576*60*2)', ReturnData: true },
  ],
};
const keptRecords = Array.from({ length: 20 }, (_, i) => `record-${i}`);
let streamBefore: unknown;
let alarmBefore: unknown;
let topicBefore: Record<string, string> | undefined;

async function readAllRecords(stream: string): Promise<string[]> {
  const desc = await clients.kinesis.send(new DescribeStreamCommand({ StreamName: stream }));
  const out: string[] = [];
  for (const shard of desc.StreamDescription?.Shards ?? []) {
    const it = await clients.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shard.ShardId!,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const got = await clients.kinesis.send(
      new GetRecordsCommand({ ShardIterator: it.ShardIterator! }),
    );
    for (const r of got.Records ?? []) out.push(Buffer.from(r.Data!).toString('utf8'));
  }
  return out.sort();
}

beforeAll(async () => {
  clock = new ManualClock(START);
  emulator = await Emulator.start({ port: 0, clock, onLambdaLog: () => undefined });
  clients = createClients({ endpoint: emulator.url, region: 'us-east-1' }, {});

  await clients.kinesis.send(new CreateStreamCommand({ StreamName: KEEP_STREAM, ShardCount: 2 }));
  await clock.advance(60_000);
  await clients.kinesis.send(
    new PutRecordsCommand({
      StreamName: KEEP_STREAM,
      Records: keptRecords.map((r) => ({ PartitionKey: r, Data: Buffer.from(r) })),
    }),
  );
  await clients.cloudwatch.send(new PutMetricAlarmCommand(keepAlarm));
  const topic = await clients.sns.send(new CreateTopicCommand({ Name: KEEP_TOPIC }));
  await clients.dynamodb.send(
    new CreateTableCommand({
      TableName: KEEP_TABLE,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await clients.dynamodb.send(new PutCommand({ TableName: KEEP_TABLE, Item: { id: 'a', n: 1 } }));

  streamBefore = (
    await clients.kinesis.send(new DescribeStreamCommand({ StreamName: KEEP_STREAM }))
  ).StreamDescription;
  alarmBefore = (
    await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['keep-alarm'] }))
  ).MetricAlarms;
  topicBefore = (
    await clients.sns.send(new GetTopicAttributesCommand({ TopicArn: topic.TopicArn! }))
  ).Attributes;
  report = await runFuzz(emulator.url, fuzzRequests(SEED, REQUESTS));
  printReport(report, SEED);
});

afterAll(async () => {
  await emulator?.stop();
});

describe('the emulator under fuzzing', () => {
  it('answers every request, without hangs or dropped connections', () => {
    expect(report.total).toBeGreaterThanOrEqual(REQUESTS);
    expect([...report.transportErrors.keys()]).toEqual([]);
  });

  it('answers client garbage with 4xx, never 5xx', () => {
    expect([...report.serverErrors.keys()]).toEqual([]);
  });

  it('gives every error an AWS-shaped body', () => {
    expect([...report.shapeProblems.keys()]).toEqual([]);
  });

  it('keeps the state created before the fuzz run intact', async () => {
    const stream = await clients.kinesis.send(
      new DescribeStreamCommand({ StreamName: KEEP_STREAM }),
    );
    expect(stream.StreamDescription).toEqual(streamBefore);
    expect(await readAllRecords(KEEP_STREAM)).toEqual([...keptRecords].sort());
    const alarms = await clients.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: ['keep-alarm'] }),
    );
    expect(alarms.MetricAlarms).toEqual(alarmBefore);
    const topics = await clients.sns.send(new ListTopicsCommand({}));
    expect(topics.Topics).toContainEqual({
      TopicArn: `arn:aws:sns:us-east-1:000000000000:${KEEP_TOPIC}`,
    });
    const attributes = await clients.sns.send(
      new GetTopicAttributesCommand({
        TopicArn: `arn:aws:sns:us-east-1:000000000000:${KEEP_TOPIC}`,
      }),
    );
    expect(attributes.Attributes).toEqual(topicBefore);
    const item = await clients.dynamodb.send(
      new GetCommand({ TableName: KEEP_TABLE, Key: { id: 'a' } }),
    );
    expect(item.Item).toEqual({ id: 'a', n: 1 });
    // Nothing the fuzzer did may have polluted Object.prototype through a decoded key.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('still serves well-formed requests afterwards', async () => {
    await clients.kinesis.send(
      new CreateStreamCommand({ StreamName: 'after-fuzz', ShardCount: 1 }),
    );
    await clock.advance(60_000);
    const put = await clients.kinesis.send(
      new PutRecordCommand({
        StreamName: 'after-fuzz',
        PartitionKey: 'k',
        Data: Buffer.from('after'),
      }),
    );
    expect(put.ShardId).toBe('shardId-000000000000');
    await clients.cloudwatch.send(
      new PutMetricAlarmCommand({ ...keepAlarm, AlarmName: 'after-fuzz' }),
    );
    const alarm = await clients.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: ['after-fuzz'] }),
    );
    expect(alarm.MetricAlarms).toHaveLength(1);
    const topic = await clients.sns.send(new CreateTopicCommand({ Name: 'after-fuzz' }));
    expect(topic.TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:after-fuzz');
    await clients.dynamodb.send(new PutCommand({ TableName: KEEP_TABLE, Item: { id: 'b', n: 2 } }));
    const item = await clients.dynamodb.send(
      new GetCommand({ TableName: KEEP_TABLE, Key: { id: 'b' } }),
    );
    expect(item.Item).toEqual({ id: 'b', n: 2 });
  });

  it('keeps evaluating alarms on the clock after the fuzz run', async () => {
    // Alarms the fuzzer created with odd settings must not break the shared evaluation timers.
    await clock.advance(5 * 60_000);
    const alarms = await clients.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: ['keep-alarm'] }),
    );
    expect(alarms.MetricAlarms?.[0]?.StateValue).toBe('OK');
  });
});
