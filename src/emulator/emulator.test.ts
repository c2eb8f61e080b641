import { DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../aws/clients.js';
import { alarmNames, buildAlarmPair, readAlarmContract } from '../autoscaler/alarm-contract.js';
import { ManualClock } from './clock.js';
import { Emulator } from './emulator.js';
import { packagedStage } from '../../test/support/packages.js';

const START = Date.UTC(2026, 2, 2, 10, 0, 0);
let clock: ManualClock;
let emulator: Emulator;
let clients: AwsClients;
const lambdaLogs: string[] = [];
let outputs: Record<string, string>;

beforeAll(async () => {
  const packageDir = await packagedStage('local');
  clock = new ManualClock(START);
  emulator = await Emulator.start({
    port: 0,
    clock,
    onLambdaLog: (fn, line) => lambdaLogs.push(`${fn}: ${line}`),
  });
  const stack = await emulator.deployPackage({ packageDir, stackName: 'kinesis-autoscaler-local' });
  outputs = stack.outputs;
  clients = createClients({ endpoint: emulator.url, region: 'us-east-1' }, {});
});

afterAll(async () => {
  await emulator?.stop();
});

describe('the whole loop on the embedded emulator', () => {
  it('deploys the packaged autoscaler from its CloudFormation template', () => {
    expect(outputs.ScaleUpTopicArn).toBe(
      'arn:aws:sns:us-east-1:000000000000:kinesis-autoscaler-scale-up-local',
    );
    expect(outputs.ScaleDownTopicArn).toBe(
      'arn:aws:sns:us-east-1:000000000000:kinesis-autoscaler-scale-down-local',
    );
  });

  it('scales a stream whose producers write past its capacity', async () => {
    const stream = 'loop';
    await clients.kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    await clock.advance(5_000);
    const pair = buildAlarmPair({
      streamName: stream,
      shardCount: 1,
      scaleUpTopicArn: outputs.ScaleUpTopicArn!,
      scaleDownTopicArn: outputs.ScaleDownTopicArn!,
      scaleDownActionsEnabled: false,
    });
    await clients.cloudwatch.send(new PutMetricAlarmCommand(pair.up));
    await clients.cloudwatch.send(new PutMetricAlarmCommand(pair.down));

    // 1,500 records/s of 100 bytes against one shard's 1,000 records/s, for three minutes.
    let throttled = 0;
    for (let second = 0; second < 180; second++) {
      for (let batch = 0; batch < 3; batch++) {
        const out = await clients.kinesis.send(
          new PutRecordsCommand({
            StreamName: stream,
            Records: Array.from({ length: 500 }, (_, i) => ({
              PartitionKey: `k${second}-${batch}-${i}`,
              Data: new Uint8Array(100),
            })),
          }),
        );
        throttled += out.FailedRecordCount ?? 0;
      }
      await clock.advance(1_000);
    }
    expect(throttled).toBeGreaterThan(0);

    // Metrics land, the alarm evaluates, SNS invokes the Lambda, which scales.
    await clock.advance(3 * 60_000);
    const names = alarmNames(stream);
    const log = await clients.dynamodb.send(
      new QueryCommand({
        TableName: 'kinesis-autoscaler-logs-local',
        KeyConditionExpression: 'stream_name = :s',
        ExpressionAttributeValues: { ':s': stream },
      }),
    );
    // Bound by Kinesis's x2 rule, then again on the minute the stream throttled at 2 shards:
    // 1.5 shards of demand at the 45% target take 4.
    const steps = (log.Items ?? [])
      .map((e) => [e.scaling_datetime as string, e.shard_count as number, e.target_shard_count])
      .sort()
      .map(([, from, to]) => [from, to]);
    expect(steps, lambdaLogs.join('\n')).toEqual([
      [1, 2],
      [2, 4],
    ]);
    expect(log.Items!.every((e) => e.scaling_type === 'SCALE_UP')).toBe(true);

    await clock.advance(5 * 60_000);
    const summary = await clients.kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: stream }),
    );
    expect(summary.StreamDescriptionSummary).toMatchObject({
      StreamStatus: 'ACTIVE',
      OpenShardCount: 4,
    });
    const alarms = await clients.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [names.up, names.down] }),
    );
    for (const alarm of alarms.MetricAlarms ?? [])
      expect(readAlarmContract(alarm).shardCount).toBe(4);
  });
});
