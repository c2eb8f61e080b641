import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import type { MetricDatum, MetricSink } from '../contracts.js';
import { AwsError } from '../protocol/errors.js';
import type { KinesisModelOptions, Shard } from './model.js';
import { HASH_KEY_SPACE, KinesisModel, MiB } from './model.js';
import { reshardingDurationMs } from './resharding.js';

const ACCOUNT = '000000000000';
const START = Date.UTC(2026, 0, 1);

class FakeSink implements MetricSink {
  readonly data: MetricDatum[] = [];
  putMetric(datum: MetricDatum): void {
    this.data.push(datum);
  }
  find(metricName: string, stream = 's'): MetricDatum[] {
    return this.data.filter(
      (d) =>
        d.metricName === metricName &&
        d.namespace === 'AWS/Kinesis' &&
        d.dimensions.some((x) => x.name === 'StreamName' && x.value === stream),
    );
  }
}

let models: KinesisModel[] = [];
afterEach(() => {
  for (const m of models) m.dispose();
  models = [];
});

function setup(opts: Partial<KinesisModelOptions> = {}) {
  const clock = new ManualClock(START);
  const sink = new FakeSink();
  const model = new KinesisModel({
    clock,
    region: 'us-east-1',
    accountId: ACCOUNT,
    metrics: sink,
    ...opts,
  });
  models.push(model);
  const createActive = async (name: string, shards: number) => {
    model.createStream({ StreamName: name, ShardCount: shards });
    await clock.advance(500);
  };
  const reshard = async (name: string, target: number) => {
    const { CurrentShardCount } = model.updateShardCount({
      StreamName: name,
      TargetShardCount: target,
      ScalingType: 'UNIFORM_SCALING',
    });
    await clock.advance(reshardingDurationMs(CurrentShardCount, target, 30_000));
  };
  const allShards = (name: string) =>
    model.listShards({ StreamName: name, MaxResults: 10_000 }).Shards;
  const openShards = (name: string) =>
    model.listShards({ StreamName: name, ShardFilter: { Type: 'AT_LATEST' } }).Shards;
  return { clock, sink, model, createActive, reshard, allShards, openShards };
}

function catchAws(fn: () => unknown): AwsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AwsError) return err;
    throw err;
  }
  throw new Error('expected an AwsError');
}

const bytes = (n: number) => new Uint8Array(n);
const text = (s: string) => new Uint8Array(Buffer.from(s));

function expectUniform(open: Shard[]) {
  const n = BigInt(open.length);
  const sorted = [...open].sort((a, b) =>
    BigInt(a.HashKeyRange.StartingHashKey) < BigInt(b.HashKeyRange.StartingHashKey) ? -1 : 1,
  );
  sorted.forEach((s, j) => {
    expect(BigInt(s.HashKeyRange.StartingHashKey)).toBe((BigInt(j) * HASH_KEY_SPACE) / n);
    expect(BigInt(s.HashKeyRange.EndingHashKey)).toBe((BigInt(j + 1) * HASH_KEY_SPACE) / n - 1n);
    expect(s.SequenceNumberRange.EndingSequenceNumber).toBeUndefined();
  });
}

describe('streams', () => {
  it('creates a stream CREATING then ACTIVE with AWS-style uniform ranges', async () => {
    const { model, clock, allShards } = setup();
    model.createStream({ StreamName: 's', ShardCount: 3 });
    expect(model.describeStreamSummary({ StreamName: 's' }).StreamDescriptionSummary).toMatchObject(
      { StreamStatus: 'CREATING', OpenShardCount: 3 },
    );
    await clock.advance(499);
    expect(model.describeStream({ StreamName: 's' }).StreamDescription.StreamStatus).toBe(
      'CREATING',
    );
    await clock.advance(1);
    const d = model.describeStream({ StreamName: 's' }).StreamDescription;
    expect(d.StreamStatus).toBe('ACTIVE');
    expect(d.StreamARN).toBe(`arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/s`);
    expect(d.Shards.map((s) => s.ShardId)).toEqual([
      'shardId-000000000000',
      'shardId-000000000001',
      'shardId-000000000002',
    ]);
    // Values AWS returns for a 3-shard stream.
    expect(d.Shards[0]!.HashKeyRange).toEqual({
      StartingHashKey: '0',
      EndingHashKey: '113427455640312821154458202477256070484',
    });
    expect(d.Shards[2]!.HashKeyRange.EndingHashKey).toBe('340282366920938463463374607431768211455');
    expectUniform(allShards('s'));
  });

  it('validates names and counts and rejects duplicates', async () => {
    const { model, createActive } = setup();
    expect(
      catchAws(() => model.createStream({ StreamName: 'bad name', ShardCount: 1 })),
    ).toMatchObject({
      code: 'ValidationException',
      message: expect.stringContaining("at 'streamName'"),
    });
    expect(
      catchAws(() => model.createStream({ StreamName: 'x'.repeat(129), ShardCount: 1 })).code,
    ).toBe('ValidationException');
    expect(
      catchAws(() => model.createStream({ StreamName: 's', ShardCount: 0 })).message,
    ).toContain(
      "at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    expect(catchAws(() => model.createStream({ StreamName: 's' })).code).toBe(
      'InvalidArgumentException',
    );
    await createActive('s', 1);
    expect(catchAws(() => model.createStream({ StreamName: 's', ShardCount: 1 }))).toMatchObject({
      code: 'ResourceInUseException',
      message: `Stream s under account ${ACCOUNT} already exists.`,
    });
    expect(catchAws(() => model.describeStream({ StreamName: 'nope' }))).toMatchObject({
      code: 'ResourceNotFoundException',
      message: `Stream nope under account ${ACCOUNT} not found.`,
    });
  });

  it('creates on-demand streams with 4 shards and refuses UpdateShardCount on them', async () => {
    const { model, clock } = setup();
    model.createStream({ StreamName: 'od', StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
    await clock.advance(500);
    const d = model.describeStream({ StreamName: 'od' }).StreamDescription;
    expect(d.StreamModeDetails.StreamMode).toBe('ON_DEMAND');
    expect(d.Shards).toHaveLength(4);
    expectUniform(d.Shards);
    expect(
      catchAws(() =>
        model.updateShardCount({
          StreamName: 'od',
          TargetShardCount: 5,
          ScalingType: 'UNIFORM_SCALING',
        }),
      ).code,
    ).toBe('ValidationException');
  });

  it('deletes through DELETING and accepts a StreamARN instead of the name', async () => {
    const { model, clock, createActive } = setup();
    await createActive('s', 1);
    const arn = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/s`;
    expect(
      model.describeStreamSummary({ StreamARN: arn }).StreamDescriptionSummary.StreamName,
    ).toBe('s');
    model.deleteStream({ StreamARN: arn });
    expect(model.describeStream({ StreamName: 's' }).StreamDescription.StreamStatus).toBe(
      'DELETING',
    );
    await clock.advance(500);
    expect(catchAws(() => model.describeStream({ StreamName: 's' })).code).toBe(
      'ResourceNotFoundException',
    );
    expect(model.listStreams().StreamNames).toEqual([]);
  });

  it('pages ListStreams', async () => {
    const { model, clock } = setup();
    for (const n of ['c', 'a', 'b']) model.createStream({ StreamName: n, ShardCount: 1 });
    await clock.advance(500);
    const p1 = model.listStreams({ Limit: 2 });
    expect(p1).toMatchObject({ StreamNames: ['a', 'b'], HasMoreStreams: true });
    const p2 = model.listStreams({ NextToken: p1.NextToken });
    expect(p2).toMatchObject({ StreamNames: ['c'], HasMoreStreams: false });
    expect(p2.NextToken).toBeUndefined();
  });

  it('uses the regional default account shard quota', () => {
    const east = setup().model;
    const other = setup({ region: 'ap-south-1' }).model;
    expect(east.describeLimits().ShardLimit).toBe(20_000);
    expect(other.describeLimits().ShardLimit).toBe(1_000);
  });
});

describe('UpdateShardCount', () => {
  const update = (model: KinesisModel, target: number, name = 's') =>
    model.updateShardCount({
      StreamName: name,
      TargetShardCount: target,
      ScalingType: 'UNIFORM_SCALING',
    });

  it('limits a step to double and half of the open shard count', async () => {
    const { model, createActive } = setup();
    await createActive('s', 1);
    expect(catchAws(() => update(model, 4))).toMatchObject({
      code: 'LimitExceededException',
      message:
        'UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: 1, Target shard count: 4',
    });
    await createActive('six', 6);
    expect(catchAws(() => update(model, 2, 'six'))).toMatchObject({
      code: 'LimitExceededException',
      message:
        'UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: 6, Target shard count: 2',
    });
    expect(update(model, 3, 'six')).toEqual({
      StreamName: 'six',
      StreamARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/six`,
      CurrentShardCount: 6,
      TargetShardCount: 3,
    });
    expect(catchAws(() => update(model, 1)).code).toBe('InvalidArgumentException');
    expect(catchAws(() => update(model, 0)).message).toContain("at 'targetShardCount'");
    expect(
      catchAws(() =>
        model.updateShardCount({ StreamName: 's', TargetShardCount: 2, ScalingType: 'X' }),
      ).code,
    ).toBe('ValidationException');
  });

  it('stays UPDATING for reshardingMs, refusing other updates, then becomes ACTIVE', async () => {
    const { model, clock, createActive, openShards } = setup({ reshardingMs: 45_000 });
    await createActive('s', 2);
    update(model, 4);
    expect(model.describeStream({ StreamName: 's' }).StreamDescription.StreamStatus).toBe(
      'UPDATING',
    );
    expect(catchAws(() => update(model, 3))).toMatchObject({
      code: 'ResourceInUseException',
      message: `Stream s under account ${ACCOUNT} not ACTIVE, instead in state UPDATING`,
    });
    // The old shards keep serving until the reshard completes.
    await clock.advance(44_999);
    expect(openShards('s')).toHaveLength(2);
    expect(
      model.putRecord({ StreamName: 's', PartitionKey: 'k', Data: text('x') }).ShardId,
    ).toMatch(/^shardId-00000000000[01]$/);
    await clock.advance(1);
    expect(model.describeStream({ StreamName: 's' }).StreamDescription.StreamStatus).toBe('ACTIVE');
    expect(openShards('s')).toHaveLength(4);
    model.createStream({ StreamName: 'new', ShardCount: 1 });
    expect(catchAws(() => update(model, 2, 'new')).message).toBe(
      `Stream new under account ${ACCOUNT} not ACTIVE, instead in state CREATING`,
    );
  });

  it('allows 10 scaling operations per rolling 24 hours', async () => {
    const { model, clock, createActive } = setup();
    await createActive('s', 1);
    const first = clock.now();
    for (let i = 0; i < 10; i++) {
      update(model, i % 2 === 0 ? 2 : 1);
      await clock.advance(60 * 60_000);
    }
    expect(model.scalingOperationsLeft({ StreamName: 's' })).toBe(0);
    const err = catchAws(() => update(model, 2));
    expect(err.code).toBe('LimitExceededException');
    expect(err.message).toContain('10 times in a rolling 24 hour period for stream s');
    // Exactly 24 h after the first operation it leaves the window.
    await clock.advanceTo(first + 24 * 3_600_000 - 1);
    expect(catchAws(() => update(model, 2)).code).toBe('LimitExceededException');
    await clock.advance(1);
    expect(update(model, 2).TargetShardCount).toBe(2);
  });

  it('caps a stream at 10,000 shards', async () => {
    const { model, createActive } = setup({ accountShardLimit: 100_000 });
    await createActive('big', 6_000);
    const err = catchAws(() => update(model, 10_001, 'big'));
    expect(err.code).toBe('LimitExceededException');
    expect(err.message).toContain('10000 shards');
    expect(update(model, 10_000, 'big').TargetShardCount).toBe(10_000);
  });

  it('counts the temporary shards of resharding against the account quota', async () => {
    const { model, createActive, openShards } = setup({ accountShardLimit: 5 });
    await createActive('s', 3);
    // 3 -> 4 splits every old shard once (6 pieces) before merging down to 4.
    const err = catchAws(() => update(model, 4));
    expect(err.code).toBe('LimitExceededException');
    expect(err.message).toBe(
      `This request would exceed the shard limit for the account ${ACCOUNT} in us-east-1. Current shard count for the account: 3. Limit: 5. Number of additional shards that would have resulted from this request: 3. Refer to the AWS Service Limits page (https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.`,
    );
    const six = setup({ accountShardLimit: 7 });
    await six.createActive('s', 3);
    update(six.model, 4);
    // While the reshard is planned, the account holds its peak of 6 shards.
    expect(catchAws(() => six.model.createStream({ StreamName: 't', ShardCount: 2 })).code).toBe(
      'LimitExceededException',
    );
    await six.clock.advance(reshardingDurationMs(3, 4, 30_000));
    six.model.createStream({ StreamName: 't', ShardCount: 2 });
    expect(six.model.describeLimits().OpenShardCount).toBe(6);
    // The refused update left the first stream untouched.
    expect(openShards('s')).toHaveLength(3);
  });
});

describe('resharding lineage', () => {
  it('splits 1 -> 2 into two children of the closed parent', async () => {
    const { createActive, reshard, allShards } = setup();
    await createActive('s', 1);
    await reshard('s', 2);
    const shards = allShards('s');
    expect(shards.map((s) => s.ShardId)).toEqual([
      'shardId-000000000000',
      'shardId-000000000001',
      'shardId-000000000002',
    ]);
    expect(shards[0]!.SequenceNumberRange.EndingSequenceNumber).toMatch(/^\d+$/);
    for (const c of shards.slice(1)) {
      expect(c.ParentShardId).toBe('shardId-000000000000');
      expect(c.AdjacentParentShardId).toBeUndefined();
    }
    expectUniform(shards.slice(1));
  });

  it('merges 4 -> 2 with parent and adjacent parent', async () => {
    const { createActive, reshard, openShards } = setup();
    await createActive('s', 4);
    await reshard('s', 2);
    const open = openShards('s');
    expectUniform(open);
    expect(open.map((s) => [s.ParentShardId, s.AdjacentParentShardId])).toEqual([
      ['shardId-000000000000', 'shardId-000000000001'],
      ['shardId-000000000002', 'shardId-000000000003'],
    ]);
  });

  it.each([
    [1, 2],
    [2, 3],
    [3, 4],
    [3, 5],
    [5, 3],
    [4, 7],
    [7, 4],
    [10, 19],
    [19, 10],
  ])('keeps ranges uniform and lineage consistent for %i -> %i', async (from, to) => {
    const { createActive, reshard, allShards, openShards } = setup();
    await createActive('s', from);
    await reshard('s', to);
    const open = openShards('s');
    expect(open).toHaveLength(to);
    expectUniform(open);
    const byId = new Map(allShards('s').map((s) => [s.ShardId, s]));
    for (const s of byId.values()) {
      const range = (x: Shard) => [
        BigInt(x.HashKeyRange.StartingHashKey),
        BigInt(x.HashKeyRange.EndingHashKey),
      ];
      const [start, end] = range(s);
      if (!s.ParentShardId) {
        expect(Number(s.ShardId.slice(8))).toBeLessThan(from);
        continue;
      }
      const parent = byId.get(s.ParentShardId)!;
      expect(parent.SequenceNumberRange.EndingSequenceNumber).toBeDefined();
      const [ps, pe] = range(parent);
      if (s.AdjacentParentShardId) {
        // A merge child covers exactly its two adjacent parents.
        const adj = byId.get(s.AdjacentParentShardId)!;
        const [as, ae] = range(adj);
        expect(adj.SequenceNumberRange.EndingSequenceNumber).toBeDefined();
        expect([start, end]).toEqual([ps, ae]);
        expect(as).toBe(pe! + 1n);
      } else {
        // A split child lies inside its parent.
        expect(start! >= ps! && end! <= pe!).toBe(true);
      }
    }
    // Every closed shard's children tile its range.
    for (const s of byId.values()) {
      if (!s.SequenceNumberRange.EndingSequenceNumber) continue;
      const kids = [...byId.values()].filter(
        (c) => c.ParentShardId === s.ShardId || c.AdjacentParentShardId === s.ShardId,
      );
      expect(kids.length).toBeGreaterThan(0);
    }
  });

  it('lists shards with filters and pages with NextToken', async () => {
    const { model, clock, createActive, reshard } = setup();
    await createActive('s', 2);
    await reshard('s', 4);
    const ids = (shards: Shard[]) => shards.map((s) => s.ShardId);
    expect(
      ids(model.listShards({ StreamName: 's', ShardFilter: { Type: 'AT_LATEST' } }).Shards),
    ).toEqual([
      'shardId-000000000002',
      'shardId-000000000003',
      'shardId-000000000004',
      'shardId-000000000005',
    ]);
    expect(
      ids(model.listShards({ StreamName: 's', ShardFilter: { Type: 'AT_TRIM_HORIZON' } }).Shards),
    ).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    expect(
      model.listShards({ StreamName: 's', ShardFilter: { Type: 'FROM_TRIM_HORIZON' } }).Shards,
    ).toHaveLength(6);
    expect(
      ids(
        model.listShards({
          StreamName: 's',
          ShardFilter: { Type: 'AFTER_SHARD_ID', ShardId: 'shardId-000000000003' },
        }).Shards,
      ),
    ).toEqual(['shardId-000000000004', 'shardId-000000000005']);
    const p1 = model.listShards({ StreamName: 's', MaxResults: 4 });
    expect(p1.Shards).toHaveLength(4);
    expect(
      catchAws(() => model.listShards({ StreamName: 's', NextToken: p1.NextToken })).code,
    ).toBe('InvalidArgumentException');
    const p2 = model.listShards({ NextToken: p1.NextToken });
    expect(ids(p2.Shards)).toEqual(['shardId-000000000004', 'shardId-000000000005']);
    expect(p2.NextToken).toBeUndefined();
    await clock.advance(300_001);
    expect(catchAws(() => model.listShards({ NextToken: p1.NextToken })).code).toBe(
      'ExpiredNextTokenException',
    );
    const d = model.describeStream({ StreamName: 's', Limit: 5 }).StreamDescription;
    expect(d.HasMoreShards).toBe(true);
  });
});

describe('writes', () => {
  it('routes by MD5 of the partition key or by ExplicitHashKey', async () => {
    const { model, createActive, allShards } = setup();
    await createActive('s', 4);
    const shards = allShards('s');
    for (const key of ['a', 'b', 'customer-42', 'zzz']) {
      const h = BigInt(`0x${createHash('md5').update(key).digest('hex')}`);
      const expected = shards.find(
        (s) =>
          BigInt(s.HashKeyRange.StartingHashKey) <= h && h <= BigInt(s.HashKeyRange.EndingHashKey),
      )!;
      expect(model.putRecord({ StreamName: 's', PartitionKey: key, Data: text('x') }).ShardId).toBe(
        expected.ShardId,
      );
    }
    const last = model.putRecord({
      StreamName: 's',
      PartitionKey: 'a',
      ExplicitHashKey: (HASH_KEY_SPACE - 1n).toString(),
      Data: text('x'),
    });
    expect(last.ShardId).toBe('shardId-000000000003');
    expect(
      catchAws(() =>
        model.putRecord({
          StreamName: 's',
          PartitionKey: 'a',
          ExplicitHashKey: HASH_KEY_SPACE.toString(),
          Data: text('x'),
        }),
      ).code,
    ).toBe('InvalidArgumentException');
  });

  it('validates records', async () => {
    const { model, createActive } = setup();
    await createActive('s', 1);
    expect(
      catchAws(() => model.putRecord({ StreamName: 's', PartitionKey: '', Data: text('x') }))
        .message,
    ).toContain("at 'partitionKey'");
    expect(
      catchAws(() =>
        model.putRecord({ StreamName: 's', PartitionKey: 'k'.repeat(257), Data: text('x') }),
      ).code,
    ).toBe('ValidationException');
    expect(
      catchAws(() => model.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes(MiB + 1) }))
        .message,
    ).toContain("at 'data'");
    expect(
      catchAws(() =>
        model.putRecords({
          StreamName: 's',
          Records: [
            { PartitionKey: 'k', Data: text('x') },
            { PartitionKey: '', Data: text('x') },
          ],
        }),
      ).message,
    ).toContain("at 'records.2.member.partitionKey'");
    expect(catchAws(() => model.putRecords({ StreamName: 's', Records: [] })).code).toBe(
      'ValidationException',
    );
  });

  it('sequence numbers increase monotonically within a shard as 56-digit decimals', async () => {
    const { model, createActive, clock } = setup();
    await createActive('s', 2);
    let prev = -1n;
    for (let i = 0; i < 20; i++) {
      if (i % 7 === 0) await clock.advance(1_000);
      const { SequenceNumber } = model.putRecord({
        StreamName: 's',
        PartitionKey: 'same key',
        Data: text('x'),
      });
      expect(SequenceNumber).toMatch(/^\d{56}$/);
      expect(BigInt(SequenceNumber) > prev).toBe(true);
      prev = BigInt(SequenceNumber);
    }
  });

  it('throttles at 1,000 records per shard per clock second', async () => {
    const { model, clock, createActive } = setup();
    await createActive('s', 1);
    const batch = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ PartitionKey: `k${i}`, Data: text('x') }));
    expect(model.putRecords({ StreamName: 's', Records: batch(500) }).FailedRecordCount).toBe(0);
    const r = model.putRecords({ StreamName: 's', Records: batch(500) });
    expect(r.FailedRecordCount).toBe(0);
    const over = model.putRecords({ StreamName: 's', Records: batch(3) });
    expect(over.FailedRecordCount).toBe(3);
    expect(over.Records[0]).toEqual({
      ErrorCode: 'ProvisionedThroughputExceededException',
      ErrorMessage: `Rate exceeded for shard shardId-000000000000 in stream s under account ${ACCOUNT}.`,
    });
    expect(
      catchAws(() => model.putRecord({ StreamName: 's', PartitionKey: 'k', Data: text('x') })),
    ).toMatchObject({
      code: 'ProvisionedThroughputExceededException',
      message: `Rate exceeded for shard shardId-000000000000 in stream s under account ${ACCOUNT}.`,
    });
    await clock.advance(1000);
    expect(model.putRecords({ StreamName: 's', Records: batch(3) }).FailedRecordCount).toBe(0);
  });

  it('throttles at 1 MiB per shard per second, counting partition key bytes', async () => {
    const { model, clock, createActive } = setup();
    await createActive('s', 1);
    // 1 MiB - 10 bytes of data + a 10-byte key is exactly the limit.
    model.putRecord({ StreamName: 's', PartitionKey: 'k'.repeat(5), Data: bytes(MiB / 2 - 5) });
    model.putRecord({ StreamName: 's', PartitionKey: 'k'.repeat(5), Data: bytes(MiB / 2 - 5) });
    expect(
      catchAws(() => model.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes(0) })).code,
    ).toBe('ProvisionedThroughputExceededException');
    // The window is the clock second: creation left us at t = 0.5 s.
    await clock.advance(499);
    expect(
      catchAws(() => model.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes(0) })).code,
    ).toBe('ProvisionedThroughputExceededException');
    await clock.advance(1);
    // A maximal record is accepted at the start of a second even with its key.
    model.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes(MiB) });
  });

  it('gives each shard its own budget', async () => {
    const { model, createActive } = setup();
    await createActive('s', 2);
    const toShard = (i: number, n: number) =>
      Array.from({ length: n }, () => ({
        PartitionKey: 'k',
        ExplicitHashKey: i === 0 ? '0' : (HASH_KEY_SPACE - 1n).toString(),
        Data: text('x'),
      }));
    model.putRecords({ StreamName: 's', Records: toShard(0, 500) });
    model.putRecords({ StreamName: 's', Records: toShard(0, 500) });
    expect(model.putRecords({ StreamName: 's', Records: toShard(0, 1) }).FailedRecordCount).toBe(1);
    expect(model.putRecords({ StreamName: 's', Records: toShard(1, 500) }).FailedRecordCount).toBe(
      0,
    );
  });
});

describe('metrics', () => {
  it('publishes each minute once it is over, timestamped at its start, only accepted data', async () => {
    const { model, clock, sink, createActive } = setup();
    await createActive('s', 1);
    await clock.advance(10_000);
    model.putRecord({ StreamName: 's', PartitionKey: 'ab', Data: bytes(98) }); // 100 bytes
    const batch = Array.from({ length: 500 }, () => ({ PartitionKey: 'k', Data: bytes(9) }));
    model.putRecords({ StreamName: 's', Records: batch });
    model.putRecords({ StreamName: 's', Records: batch }); // 499 accepted: 1 went to PutRecord
    await clock.advanceTo(START + 59_999);
    expect(sink.data).toHaveLength(0);
    await clock.advance(1);
    const one = (name: string) => {
      const d = sink.find(name);
      expect(d).toHaveLength(1);
      expect(d[0]!.timestamp).toBe(START);
      return d[0]!;
    };
    expect(one('IncomingRecords').sum).toBe(1000);
    expect(one('IncomingBytes').sum).toBe(100 + 999 * 10);
    expect(one('IncomingBytes').unit).toBe('Bytes');
    expect(one('PutRecord.Bytes').sum).toBe(100);
    expect(one('PutRecord.Success')).toMatchObject({ sum: 1, sampleCount: 1 });
    expect(one('PutRecords.TotalRecords').sum).toBe(1000);
    expect(one('PutRecords.SuccessfulRecords').sum).toBe(999);
    expect(one('PutRecords.ThrottledRecords').sum).toBe(1);
    expect(one('PutRecords.FailedRecords').sum).toBe(0);
    expect(one('PutRecords.Bytes').sum).toBe(9990);
    expect(one('WriteProvisionedThroughputExceeded').sum).toBe(1);
    // Idle minutes publish nothing.
    const before = sink.data.length;
    await clock.advance(5 * 60_000);
    expect(sink.data).toHaveLength(before);
    model.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes(1) });
    await clock.advance(60_000);
    expect(sink.find('IncomingRecords').map((d) => d.timestamp)).toEqual([
      START,
      START + 6 * 60_000,
    ]);
  });

  it('publishes read metrics and flushes on demand', async () => {
    const { model, clock, sink, createActive } = setup();
    await createActive('s', 1);
    model.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes(10) });
    await clock.advance(2_000);
    const { ShardIterator } = model.getShardIterator({
      StreamName: 's',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    });
    model.getRecords({ ShardIterator });
    model.flushMetrics();
    expect(sink.data).toHaveLength(0);
    model.flushMetrics(true);
    expect(sink.find('GetRecords.Records')[0]!.sum).toBe(1);
    expect(sink.find('GetRecords.Bytes')[0]!.sum).toBe(10);
    expect(sink.find('GetRecords.IteratorAgeMilliseconds')[0]!.max).toBe(2_000);
  });
});

describe('bulk ingest', () => {
  it('caps by bytes and conserves offered = accepted + throttled', async () => {
    const { model, clock, sink, createActive } = setup();
    await createActive('s', 2);
    await clock.advanceTo(START + 60_000);
    const r = model.ingest('s', { bytesPerSecond: 3 * MiB, recordsPerSecond: 1000, seconds: 60 });
    expect(r.acceptedBytes).toBeCloseTo(2 * MiB * 60, 3);
    expect(r.acceptedRecords + r.throttledRecords).toBeCloseTo(1000 * 60, 6);
    expect(r.acceptedBytes + r.throttledBytes).toBeCloseTo(3 * MiB * 60, 3);
    await clock.advance(60_000);
    const bytesDatum = sink.find('IncomingBytes');
    expect(bytesDatum).toHaveLength(1);
    expect(bytesDatum[0]).toMatchObject({ timestamp: START + 60_000, sampleCount: 60 });
    expect(bytesDatum[0]!.sum).toBeCloseTo(r.acceptedBytes, 3);
    expect(sink.find('IncomingRecords')[0]!.sum).toBeCloseTo(r.acceptedRecords, 6);
    expect(sink.find('WriteProvisionedThroughputExceeded')[0]!.sum).toBeCloseTo(
      r.throttledRecords,
      6,
    );
    expect(sink.find('PutRecords.TotalRecords')[0]!.sum).toBeCloseTo(60_000, 6);
  });

  it('caps by records, passes traffic under the limit, and splits across minutes', async () => {
    const { model, clock, sink, createActive } = setup();
    await createActive('s', 4);
    const capped = model.ingest('s', { bytesPerSecond: 1000, recordsPerSecond: 5000, seconds: 1 });
    expect(capped).toMatchObject({ acceptedRecords: 4000, throttledRecords: 1000 });
    expect(capped.acceptedBytes).toBeCloseTo(800, 9);
    await clock.advanceTo(START + 30_000);
    const under = model.ingest('s', { bytesPerSecond: MiB, recordsPerSecond: 100, seconds: 60 });
    expect(under).toMatchObject({
      acceptedRecords: 6000,
      throttledRecords: 0,
      acceptedBytes: 60 * MiB,
    });
    await clock.advance(90_000);
    const records = sink.find('IncomingRecords');
    expect(records.map((d) => d.timestamp)).toEqual([START, START + 60_000]);
    expect(records[0]!.sum).toBeCloseTo(4000 + 30 * 100, 6);
    expect(records[1]!.sum).toBeCloseTo(30 * 100, 6);
  });

  it('uses the shards open at the time and is fast over a long trace', async () => {
    const { model, clock, createActive } = setup();
    await createActive('s', 1);
    expect(
      model.ingest('s', { bytesPerSecond: 4 * MiB, recordsPerSecond: 10, seconds: 1 })
        .acceptedBytes,
    ).toBe(MiB);
    model.updateShardCount({
      StreamName: 's',
      TargetShardCount: 2,
      ScalingType: 'UNIFORM_SCALING',
    });
    expect(
      model.ingest('s', { bytesPerSecond: 4 * MiB, recordsPerSecond: 10, seconds: 1 })
        .acceptedBytes,
    ).toBe(MiB);
    await clock.advance(30_000);
    expect(
      model.ingest('s', { bytesPerSecond: 4 * MiB, recordsPerSecond: 10, seconds: 1 })
        .acceptedBytes,
    ).toBe(2 * MiB);
    // CPU time of this process, not wall-clock time: other jobs on the machine must not fail it.
    const t0 = process.cpuUsage();
    for (let i = 0; i < 20_000; i++) {
      model.ingest('s', { bytesPerSecond: 1.5 * MiB, recordsPerSecond: 1500, seconds: 60 });
      if (i % 1000 === 0) await clock.advance(60_000);
    }
    const used = process.cpuUsage(t0);
    expect((used.user + used.system) / 1000).toBeLessThan(2_000);
    expect(
      catchAws(() => model.ingest('nope', { bytesPerSecond: 1, recordsPerSecond: 1, seconds: 1 }))
        .code,
    ).toBe('ResourceNotFoundException');
  });
});

describe('reads', () => {
  const iter = (
    model: KinesisModel,
    shardId: string,
    type:
      'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'AT_TIMESTAMP',
    extra: { StartingSequenceNumber?: string; Timestamp?: Date } = {},
  ) =>
    model.getShardIterator({ StreamName: 's', ShardId: shardId, ShardIteratorType: type, ...extra })
      .ShardIterator;
  const decode = (d: Uint8Array) => Buffer.from(d).toString('utf8');

  it('supports every iterator type', async () => {
    const { model, clock, createActive } = setup();
    await createActive('s', 1);
    const sh = 'shardId-000000000000';
    const latest = iter(model, sh, 'LATEST');
    const seqs: string[] = [];
    for (let i = 0; i < 5; i++) {
      seqs.push(
        model.putRecord({ StreamName: 's', PartitionKey: 'k', Data: text(`r${i}`) }).SequenceNumber,
      );
      await clock.advance(1_000);
    }
    // One read per 200 ms stays within the 5 GetRecords per second of a shard.
    const data = async (it: string) => {
      await clock.advance(200);
      return model.getRecords({ ShardIterator: it }).Records.map((r) => decode(r.Data));
    };
    expect(await data(iter(model, sh, 'TRIM_HORIZON'))).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(await data(latest)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(await data(iter(model, sh, 'LATEST'))).toEqual([]);
    expect(
      await data(iter(model, sh, 'AT_SEQUENCE_NUMBER', { StartingSequenceNumber: seqs[2]! })),
    ).toEqual(['r2', 'r3', 'r4']);
    expect(
      await data(iter(model, sh, 'AFTER_SEQUENCE_NUMBER', { StartingSequenceNumber: seqs[2]! })),
    ).toEqual(['r3', 'r4']);
    expect(
      await data(iter(model, sh, 'AT_TIMESTAMP', { Timestamp: new Date(START + 2_500) })),
    ).toEqual(['r2', 'r3', 'r4']);
    await clock.advance(200);
    const page = model.getRecords({ ShardIterator: iter(model, sh, 'TRIM_HORIZON'), Limit: 2 });
    expect(page.Records.map((r) => decode(r.Data))).toEqual(['r0', 'r1']);
    expect(page.MillisBehindLatest).toBeGreaterThan(0);
    expect(page.Records[0]!.ApproximateArrivalTimestamp).toEqual(new Date(START + 500));
    await clock.advance(200);
    expect(await data(page.NextShardIterator!)).toEqual(['r2', 'r3', 'r4']);
    expect(catchAws(() => iter(model, sh, 'AT_SEQUENCE_NUMBER')).code).toBe(
      'InvalidArgumentException',
    );
    expect(catchAws(() => iter(model, 'shardId-000000000009', 'LATEST')).code).toBe(
      'ResourceNotFoundException',
    );
    expect(catchAws(() => model.getRecords({ ShardIterator: 'garbage' })).code).toBe(
      'InvalidArgumentException',
    );
  });

  it('expires iterators after 5 minutes', async () => {
    const { model, clock, createActive } = setup();
    await createActive('s', 1);
    const it = iter(model, 'shardId-000000000000', 'TRIM_HORIZON');
    await clock.advance(300_000);
    model.getRecords({ ShardIterator: it });
    await clock.advance(1);
    expect(catchAws(() => model.getRecords({ ShardIterator: it })).code).toBe(
      'ExpiredIteratorException',
    );
  });

  it('keeps records readable across resharding and hands over to the children', async () => {
    const { model, clock, createActive } = setup();
    await createActive('s', 1);
    const put = (k: string) => model.putRecord({ StreamName: 's', PartitionKey: k, Data: text(k) });
    put('before');
    model.updateShardCount({
      StreamName: 's',
      TargetShardCount: 2,
      ScalingType: 'UNIFORM_SCALING',
    });
    put('during');
    const parentIt = iter(model, 'shardId-000000000000', 'TRIM_HORIZON');
    expect(model.getRecords({ ShardIterator: parentIt }).NextShardIterator).toBeDefined();
    await clock.advance(30_000);
    const keys = Array.from({ length: 20 }, (_, i) => `after-${i}`);
    const placed = keys.map((k) => put(k).ShardId);
    expect(new Set(placed)).toEqual(new Set(['shardId-000000000001', 'shardId-000000000002']));

    const parent = model.getRecords({
      ShardIterator: iter(model, 'shardId-000000000000', 'TRIM_HORIZON'),
    });
    expect(parent.Records.map((r) => decode(r.Data))).toEqual(['before', 'during']);
    expect(parent.NextShardIterator).toBeUndefined();
    expect(parent.ChildShards?.map((c) => [c.ShardId, c.ParentShards])).toEqual([
      ['shardId-000000000001', ['shardId-000000000000']],
      ['shardId-000000000002', ['shardId-000000000000']],
    ]);
    // A reader paged part-way into the parent still finishes it, then sees the children.
    const paged = model.getRecords({
      ShardIterator: iter(model, 'shardId-000000000000', 'TRIM_HORIZON'),
      Limit: 1,
    });
    expect(paged.NextShardIterator).toBeDefined();
    const rest = model.getRecords({ ShardIterator: paged.NextShardIterator! });
    expect(rest.Records.map((r) => decode(r.Data))).toEqual(['during']);
    expect(rest.NextShardIterator).toBeUndefined();
    expect(rest.ChildShards).toHaveLength(2);

    const fromChildren = ['shardId-000000000001', 'shardId-000000000002'].flatMap((id) =>
      model
        .getRecords({ ShardIterator: iter(model, id, 'TRIM_HORIZON') })
        .Records.map((r) => decode(r.Data)),
    );
    expect(fromChildren.sort()).toEqual([...keys].sort());
    // LATEST on a closed shard is its end.
    expect(
      model.getRecords({ ShardIterator: iter(model, 'shardId-000000000000', 'LATEST') }),
    ).toMatchObject({
      Records: [],
      ChildShards: expect.any(Array),
    });
  });

  it('trims records and closed shards after the 24 hour retention', async () => {
    const { model, clock, createActive, reshard, allShards } = setup();
    await createActive('s', 1);
    model.putRecord({ StreamName: 's', PartitionKey: 'k', Data: text('old') });
    await reshard('s', 2);
    await clock.advance(12 * 3_600_000);
    model.putRecord({ StreamName: 's', PartitionKey: 'k', Data: text('new') });
    expect(allShards('s')).toHaveLength(3);
    await clock.advance(12 * 3_600_000);
    expect(allShards('s').map((s) => s.ShardId)).toEqual([
      'shardId-000000000001',
      'shardId-000000000002',
    ]);
    const records = ['shardId-000000000001', 'shardId-000000000002'].flatMap(
      (id) => model.getRecords({ ShardIterator: iter(model, id, 'TRIM_HORIZON') }).Records,
    );
    expect(records.map((r) => decode(r.Data))).toEqual(['new']);
  });
});

describe('tags and lifecycle', () => {
  it('adds, lists, pages and removes tags', async () => {
    const { model, createActive } = setup();
    await createActive('s', 1);
    model.addTagsToStream({ StreamName: 's', Tags: { b: '2', a: '1', c: '3' } });
    model.addTagsToStream({ StreamName: 's', Tags: { a: 'one' } });
    expect(model.listTagsForStream({ StreamName: 's' })).toEqual({
      Tags: [
        { Key: 'a', Value: 'one' },
        { Key: 'b', Value: '2' },
        { Key: 'c', Value: '3' },
      ],
      HasMoreTags: false,
    });
    expect(
      model.listTagsForStream({ StreamName: 's', Limit: 1, ExclusiveStartTagKey: 'a' }),
    ).toEqual({
      Tags: [{ Key: 'b', Value: '2' }],
      HasMoreTags: true,
    });
    model.removeTagsFromStream({ StreamName: 's', TagKeys: ['a', 'zzz'] });
    expect(model.listTagsForStream({ StreamName: 's' }).Tags.map((t) => t.Key)).toEqual(['b', 'c']);
    const many = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    expect(catchAws(() => model.addTagsToStream({ StreamName: 's', Tags: many })).code).toBe(
      'ValidationException',
    );
    for (let i = 0; i < 4; i++) {
      model.addTagsToStream({
        StreamName: 's',
        Tags: Object.fromEntries(Array.from({ length: 10 }, (_, j) => [`t${i}-${j}`, 'v'])),
      });
    }
    expect(
      catchAws(() =>
        model.addTagsToStream({
          StreamName: 's',
          Tags: Object.fromEntries(Array.from({ length: 10 }, (_, j) => [`u${j}`, 'v'])),
        }),
      ).code,
    ).toBe('InvalidArgumentException');
  });

  it('dispose clears every timer', async () => {
    const { model, clock } = setup();
    model.createStream({ StreamName: 's', ShardCount: 1 });
    expect(clock.pendingTimers).toBeGreaterThan(0);
    model.dispose();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(120_000);
  });
});
