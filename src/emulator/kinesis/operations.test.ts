import {
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DeregisterStreamConsumerCommand,
  DescribeLimitsCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  DisableEnhancedMonitoringCommand,
  EnableEnhancedMonitoringCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListShardsCommand,
  ListStreamConsumersCommand,
  MergeShardsCommand,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  UpdateShardCountCommand,
  UpdateStreamModeCommand,
} from '@aws-sdk/client-kinesis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT, sdkError, startHarness, type Harness } from './harness.js';
import { HASH_KEY_SPACE } from './resharding.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ reshardingMs: 10_000, creatingMs: 500 });
});
afterEach(async () => {
  await h.close();
});

async function create(name: string, shards: number) {
  await h.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await h.clock.advance(500);
}
const status = async (name: string) =>
  (await h.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name })))
    .StreamDescriptionSummary!;
const shards = async (name: string) =>
  (await h.kinesis.send(new ListShardsCommand({ StreamName: name }))).Shards!;
const arnOf = (name: string) => `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${name}`;

describe('SplitShard and MergeShards', () => {
  it('split: UPDATING until done, parent CLOSED, children with ParentShardId, uneven ranges', async () => {
    await create('s', 1);
    const quarter = (HASH_KEY_SPACE / 4n).toString();
    await h.kinesis.send(
      new SplitShardCommand({
        StreamName: 's',
        ShardToSplit: 'shardId-0',
        NewStartingHashKey: quarter,
      }),
    );
    expect((await status('s')).StreamStatus).toBe('UPDATING');
    // A second reshard of any kind waits for the first.
    const busy = await sdkError(
      h.kinesis.send(
        new UpdateShardCountCommand({
          StreamName: 's',
          TargetShardCount: 2,
          ScalingType: 'UNIFORM_SCALING',
        }),
      ),
    );
    expect(busy.name).toBe('ResourceInUseException');
    await h.clock.advance(10_000);
    expect((await status('s')).StreamStatus).toBe('ACTIVE');
    const all = await shards('s');
    expect(all.map((s) => s.ShardId)).toEqual([
      'shardId-000000000000',
      'shardId-000000000001',
      'shardId-000000000002',
    ]);
    expect(all[0]!.SequenceNumberRange?.EndingSequenceNumber).toMatch(/^\d{56}$/);
    expect(all[1]).toMatchObject({
      ParentShardId: 'shardId-000000000000',
      HashKeyRange: { StartingHashKey: '0', EndingHashKey: (BigInt(quarter) - 1n).toString() },
    });
    expect(all[2]).toMatchObject({
      ParentShardId: 'shardId-000000000000',
      HashKeyRange: { StartingHashKey: quarter },
    });
    expect(all[2]!.SequenceNumberRange?.EndingSequenceNumber).toBeUndefined();
    // Split and merge do not count in UpdateShardCount's 10 per rolling 24 hours.
    expect(h.model.scalingOperationsLeft({ StreamName: 's' })).toBe(10);

    await h.kinesis.send(
      new MergeShardsCommand({
        StreamName: 's',
        ShardToMerge: 'shardId-000000000001',
        AdjacentShardToMerge: 'shardId-000000000002',
      }),
    );
    expect((await status('s')).StreamStatus).toBe('UPDATING');
    await h.clock.advance(10_000);
    const after = await shards('s');
    expect(after[3]).toMatchObject({
      ShardId: 'shardId-000000000003',
      ParentShardId: 'shardId-000000000001',
      AdjacentParentShardId: 'shardId-000000000002',
      HashKeyRange: { StartingHashKey: '0', EndingHashKey: (HASH_KEY_SPACE - 1n).toString() },
    });
    expect((await status('s')).OpenShardCount).toBe(1);
    expect(h.model.scalingOperationsLeft({ StreamName: 's' })).toBe(10);
  });

  it('UpdateShardCount evens out the uneven ranges a split left', async () => {
    await create('s', 1);
    await h.kinesis.send(
      new SplitShardCommand({
        StreamName: 's',
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: '1000',
      }),
    );
    await h.clock.advance(10_000);
    await h.kinesis.send(
      new UpdateShardCountCommand({
        StreamName: 's',
        TargetShardCount: 3,
        ScalingType: 'UNIFORM_SCALING',
      }),
    );
    await h.clock.advance(60_000);
    const open = (await shards('s')).filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber);
    const starts = open.map((s) => BigInt(s.HashKeyRange!.StartingHashKey!));
    expect(starts.sort((a, b) => (a < b ? -1 : 1)).map(String)).toEqual([
      '0',
      (HASH_KEY_SPACE / 3n).toString(),
      ((2n * HASH_KEY_SPACE) / 3n).toString(),
    ]);
  });

  it('rejects bad hash keys, non-adjacent merges and unknown shards with AWS errors', async () => {
    await create('s', 3);
    const badKey = await sdkError(
      h.kinesis.send(
        new SplitShardCommand({
          StreamName: 's',
          ShardToSplit: 'shardId-000000000000',
          NewStartingHashKey: '1',
        }),
      ),
    );
    expect(badKey.name).toBe('InvalidArgumentException');
    expect(badKey.message).toContain('is not both greater than one plus the shard');
    const apart = await sdkError(
      h.kinesis.send(
        new MergeShardsCommand({
          StreamName: 's',
          ShardToMerge: 'shardId-000000000000',
          AdjacentShardToMerge: 'shardId-000000000002',
        }),
      ),
    );
    expect(apart.name).toBe('InvalidArgumentException');
    expect(apart.message).toBe(
      `Shards shardId-000000000000 and shardId-000000000002 in stream s under account ${ACCOUNT} are not an adjacent pair of shards eligible for merging`,
    );
    const missing = await sdkError(
      h.kinesis.send(
        new SplitShardCommand({
          StreamName: 's',
          ShardToSplit: 'shardId-000000000009',
          NewStartingHashKey: '12345',
        }),
      ),
    );
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toBe(
      `Could not find shard shardId-000000000009 in stream s under account ${ACCOUNT}.`,
    );
  });

  it('limits SplitShard to 5 calls per second per account', async () => {
    for (let i = 0; i < 6; i++) await create(`s${i}`, 1);
    const split = (i: number) =>
      h.kinesis.send(
        new SplitShardCommand({
          StreamName: `s${i}`,
          ShardToSplit: 'shardId-000000000000',
          NewStartingHashKey: '1000',
        }),
      );
    await h.clock.advance(1_000 - (h.clock.now() % 1_000));
    for (let i = 0; i < 5; i++) await split(i);
    const over = await sdkError(split(5));
    expect(over.name).toBe('LimitExceededException');
    expect(over.message).toBe(`Rate exceeded for stream s5 under account ${ACCOUNT}.`);
    await h.clock.advance(1_000);
    await split(5);
  });
});

describe('retention, monitoring, limits, stream mode', () => {
  it('increases and decreases the retention period within AWS rules', async () => {
    await create('s', 1);
    await h.kinesis.send(
      new IncreaseStreamRetentionPeriodCommand({ StreamName: 's', RetentionPeriodHours: 48 }),
    );
    expect((await status('s')).RetentionPeriodHours).toBe(48);
    const shorter = await sdkError(
      h.kinesis.send(
        new IncreaseStreamRetentionPeriodCommand({ StreamName: 's', RetentionPeriodHours: 30 }),
      ),
    );
    expect(shorter.name).toBe('InvalidArgumentException');
    const tooShort = await sdkError(
      h.kinesis.send(
        new DecreaseStreamRetentionPeriodCommand({ StreamName: 's', RetentionPeriodHours: 12 }),
      ),
    );
    expect(tooShort.name).toBe('InvalidArgumentException');
    await h.kinesis.send(
      new DecreaseStreamRetentionPeriodCommand({ StreamName: 's', RetentionPeriodHours: 24 }),
    );
    expect((await status('s')).RetentionPeriodHours).toBe(24);
  });

  it('publishes shard-level metrics with a ShardId dimension once enabled', async () => {
    await create('s', 2);
    const on = await h.kinesis.send(
      new EnableEnhancedMonitoringCommand({
        StreamName: 's',
        ShardLevelMetrics: ['IncomingBytes', 'OutgoingRecords'],
      }),
    );
    expect(on.CurrentShardLevelMetrics).toEqual([]);
    expect(on.DesiredShardLevelMetrics).toEqual(['IncomingBytes', 'OutgoingRecords']);
    expect((await status('s')).EnhancedMonitoring).toEqual([
      { ShardLevelMetrics: ['IncomingBytes', 'OutgoingRecords'] },
    ]);
    const put = await h.kinesis.send(
      new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: new Uint8Array(10) }),
    );
    const it = await h.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: 's',
        ShardId: put.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    await h.kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    await h.clock.advance(60_000);
    const shardLevel = h.sink.data.filter((d) => d.dimensions.some((x) => x.name === 'ShardId'));
    expect(shardLevel.map((d) => [d.metricName, d.dimensions, d.sum])).toEqual(
      expect.arrayContaining([
        [
          'IncomingBytes',
          [
            { name: 'StreamName', value: 's' },
            { name: 'ShardId', value: put.ShardId },
          ],
          11,
        ],
        [
          'OutgoingRecords',
          [
            { name: 'StreamName', value: 's' },
            { name: 'ShardId', value: put.ShardId },
          ],
          1,
        ],
      ]),
    );
    expect(shardLevel.some((d) => d.metricName === 'IncomingRecords')).toBe(false);
    const off = await h.kinesis.send(
      new DisableEnhancedMonitoringCommand({ StreamName: 's', ShardLevelMetrics: ['ALL'] }),
    );
    expect(off.DesiredShardLevelMetrics).toEqual([]);
  });

  it('describes limits and switches capacity mode through UPDATING', async () => {
    await create('s', 3);
    const limits = await h.kinesis.send(new DescribeLimitsCommand({}));
    expect(limits).toMatchObject({
      ShardLimit: 20_000,
      OpenShardCount: 3,
      OnDemandStreamCount: 0,
      OnDemandStreamCountLimit: 50,
    });
    await h.kinesis.send(
      new UpdateStreamModeCommand({
        StreamARN: arnOf('s'),
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      }),
    );
    expect((await status('s')).StreamStatus).toBe('UPDATING');
    await h.clock.advance(10_000);
    expect((await status('s')).StreamModeDetails?.StreamMode).toBe('ON_DEMAND');
    expect((await h.kinesis.send(new DescribeLimitsCommand({}))).OnDemandStreamCount).toBe(1);
  });
});

describe('stream consumers', () => {
  it('registers, describes, lists and deregisters consumers', async () => {
    await create('s', 1);
    const reg = await h.kinesis.send(
      new RegisterStreamConsumerCommand({ StreamARN: arnOf('s'), ConsumerName: 'app' }),
    );
    expect(reg.Consumer?.ConsumerStatus).toBe('CREATING');
    expect(reg.Consumer?.ConsumerARN).toMatch(new RegExp(`^${arnOf('s')}/consumer/app:\\d+$`));
    await h.clock.advance(500);
    const d = await h.kinesis.send(
      new DescribeStreamConsumerCommand({ ConsumerARN: reg.Consumer!.ConsumerARN }),
    );
    expect(d.ConsumerDescription).toMatchObject({
      ConsumerName: 'app',
      ConsumerStatus: 'ACTIVE',
      StreamARN: arnOf('s'),
    });
    const dup = await sdkError(
      h.kinesis.send(
        new RegisterStreamConsumerCommand({ StreamARN: arnOf('s'), ConsumerName: 'app' }),
      ),
    );
    expect(dup.name).toBe('ResourceInUseException');
    const list = await h.kinesis.send(new ListStreamConsumersCommand({ StreamARN: arnOf('s') }));
    expect(list.Consumers?.map((c) => c.ConsumerName)).toEqual(['app']);
    expect((await status('s')).ConsumerCount).toBe(1);
    const inUse = await sdkError(h.kinesis.send(new DeleteStreamCommand({ StreamName: 's' })));
    expect(inUse.name).toBe('ResourceInUseException');
    await h.kinesis.send(
      new DeregisterStreamConsumerCommand({ StreamARN: arnOf('s'), ConsumerName: 'app' }),
    );
    await h.clock.advance(500);
    expect(
      (await h.kinesis.send(new ListStreamConsumersCommand({ StreamARN: arnOf('s') }))).Consumers,
    ).toEqual([]);
    const gone = await sdkError(
      h.kinesis.send(
        new DescribeStreamConsumerCommand({ StreamARN: arnOf('s'), ConsumerName: 'app' }),
      ),
    );
    expect(gone.name).toBe('ResourceNotFoundException');
  });
});
