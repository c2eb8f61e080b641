import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { cbor, dateToTag } from '@smithy/core/cbor';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT, sdkError, startHarness, type Harness } from './harness.js';
import { reshardingDurationMs } from './resharding.js';

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
const json = async (op: string, body: unknown) => {
  const r = await h.raw(op, JSON.stringify(body));
  return {
    status: r.status,
    body: r.body.length ? (JSON.parse(r.body.toString()) as unknown) : '',
  };
};

describe('error semantics', () => {
  it('answers a wrong JSON type with a SerializationException worded as AWS words it', async () => {
    const cases: [string, unknown, string][] = [
      [
        'CreateStream',
        { StreamName: true },
        'class java.lang.Boolean can not be converted to an String',
      ],
      [
        'CreateStream',
        { StreamName: 23 },
        'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String',
      ],
      [
        'CreateStream',
        { ShardCount: '2' },
        'class java.lang.String can not be converted to an Integer',
      ],
      ['PutRecords', { Records: '23' }, 'Expected list or null'],
      ['PutRecords', { Records: [23] }, 'Expected null'],
      ['PutRecords', { Records: {} }, 'Start of structure or map found where not expected.'],
      ['AddTagsToStream', { Tags: [] }, 'Start of list found where not expected'],
      [
        'DeleteStream',
        { EnforceConsumerDeletion: 'yes' },
        "'YES' can not be converted to an Boolean",
      ],
    ];
    for (const [op, body, message] of cases) {
      expect(await json(op, body), `${op} ${JSON.stringify(body)}`).toEqual({
        status: 400,
        body: { __type: 'SerializationException', Message: message },
      });
    }
  });

  it('lists every constraint violation in one message, in AWS order, before existence checks', async () => {
    expect((await json('CreateStream', {})).body).toEqual({
      __type: 'ValidationException',
      message:
        "2 validation errors detected: Value null at 'shardCount' failed to satisfy constraint: Member must not be null; Value null at 'streamName' failed to satisfy constraint: Member must not be null",
    });
    expect((await json('CreateStream', { StreamName: '', ShardCount: 0 })).body).toEqual({
      __type: 'ValidationException',
      message:
        "3 validation errors detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value '' at 'streamName' failed to satisfy constraint: Member must have length greater than or equal to 1",
    });
    // The stream does not exist, but validation speaks first.
    const e = await sdkError(
      h.kinesis.send(new PutRecordsCommand({ StreamName: 'nope', Records: [] })),
    );
    expect(e.name).toBe('ValidationException');
    expect(e.message).toBe(
      "1 validation error detected: Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    // A missing StreamName (and no StreamARN) is a null streamName, as AWS reports it.
    expect((await json('PutRecords', {})).body).toEqual({
      __type: 'ValidationException',
      message:
        "2 validation errors detected: Value null at 'records' failed to satisfy constraint: Member must not be null; Value null at 'streamName' failed to satisfy constraint: Member must not be null",
    });
    const nested = await json('PutRecords', {
      StreamName: 's',
      Records: [{ PartitionKey: '', Data: '' }],
    });
    expect(nested.body).toMatchObject({
      message:
        "1 validation error detected: Value '' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
    });
    const nf = await sdkError(
      h.kinesis.send(
        new PutRecordCommand({ StreamName: 'nope', PartitionKey: 'a', Data: new Uint8Array(1) }),
      ),
    );
    expect(nf).toMatchObject({
      name: 'ResourceNotFoundException',
      message: `Stream nope under account ${ACCOUNT} not found.`,
    });
  });

  it('applies AWS tag character rules', async () => {
    await create('s', 1);
    const bad = await sdkError(
      h.kinesis.send(new AddTagsToStreamCommand({ StreamName: 's', Tags: { 'a*b': 'x' } })),
    );
    expect(bad.name).toBe('InvalidArgumentException');
    expect(bad.message).toContain('Some tags contain invalid characters');
    await h.kinesis.send(
      new AddTagsToStreamCommand({
        StreamName: 's',
        Tags: { 'team/owner': 'data-eng@x.com', 'é 1': '+=%' },
      }),
    );
  });

  it('enforces GetShardIterator rules', async () => {
    await create('s', 1);
    const put = await h.kinesis.send(
      new PutRecordCommand({ StreamName: 's', PartitionKey: 'a', Data: new Uint8Array(1) }),
    );
    const withSeq = await sdkError(
      h.kinesis.send(
        new GetShardIteratorCommand({
          StreamName: 's',
          ShardId: 'shardId-0',
          ShardIteratorType: 'LATEST',
          StartingSequenceNumber: put.SequenceNumber,
        }),
      ),
    );
    expect(withSeq.name).toBe('InvalidArgumentException');
    const future = await sdkError(
      h.kinesis.send(
        new GetShardIteratorCommand({
          StreamName: 's',
          ShardId: 'shardId-0',
          ShardIteratorType: 'AT_TIMESTAMP',
          Timestamp: new Date(h.clock.now() + 60_000),
        }),
      ),
    );
    expect(future.name).toBe('InvalidArgumentException');
    expect(future.message).toContain(
      'timestampInMillis parameter cannot be greater than the currentTimestampInMillis',
    );
  });
});

describe('formats', () => {
  it('normalises short shard ids and encodes shard and arrival in 56-digit sequence numbers', async () => {
    await create('s', 3);
    const seqs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await h.kinesis.send(
        new PutRecordCommand({
          StreamName: 's',
          PartitionKey: 'a',
          Data: new Uint8Array(1),
          ExplicitHashKey: '0',
        }),
      );
      expect(r.ShardId).toBe('shardId-000000000000');
      seqs.push(r.SequenceNumber!);
      await h.clock.advance(1_000);
    }
    for (const s of seqs) {
      expect(s).toMatch(/^\d{56}$/);
      const hex = BigInt(s).toString(16);
      expect(hex).toMatch(/^2[0-9a-f]{9}0[0-9a-f]{16}00[0-9a-f]{9}000000002$/);
    }
    expect(BigInt(seqs[0]!) < BigInt(seqs[1]!) && BigInt(seqs[1]!) < BigInt(seqs[2]!)).toBe(true);
    const arrival = parseInt(BigInt(seqs[1]!).toString(16).slice(29, 38), 16);
    expect(arrival).toBe(Math.floor((h.clock.now() - 2_000) / 1000));
    const it = await h.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: 's',
        ShardId: 'shardId-0',
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: seqs[1],
      }),
    );
    // Opaque: base64 of a version prefix and an encrypted payload, no readable stream name.
    const raw = Buffer.from(it.ShardIterator!, 'base64');
    expect(raw.subarray(0, 8).toString('hex')).toBe('0000000000000001');
    expect(raw.toString('latin1')).not.toContain('s/');
    const got = await h.kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    expect(got.Records?.map((r) => r.SequenceNumber)).toEqual(seqs.slice(1));
    const wrongShard = await sdkError(
      h.kinesis.send(
        new GetShardIteratorCommand({
          StreamName: 's',
          ShardId: 'shardId-000000000001',
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          StartingSequenceNumber: seqs[1],
        }),
      ),
    );
    expect(wrongShard.name).toBe('InvalidArgumentException');
    const listed = await h.kinesis.send(
      new ListShardsCommand({ StreamName: 's', ExclusiveStartShardId: 'shardId-1' }),
    );
    expect(listed.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000002']);
  });

  it('expires shard iterators after 5 minutes', async () => {
    await create('s', 1);
    const it = await h.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: 's',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    await h.clock.advance(300_001);
    const e = await sdkError(
      h.kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator })),
    );
    expect(e.name).toBe('ExpiredIteratorException');
  });

  it('answers operations without output with an empty body', async () => {
    const r = await h.raw('CreateStream', JSON.stringify({ StreamName: 'e', ShardCount: 1 }));
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(0);
  });
});

describe('reads as AWS limits them', () => {
  it('allows 5 GetRecords per shard per second and counts ReadProvisionedThroughputExceeded', async () => {
    await create('s', 1);
    await h.clock.advance(1_000 - (h.clock.now() % 1_000));
    const it = await h.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: 's',
        ShardId: 'shardId-0',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    for (let i = 0; i < 5; i++)
      await h.kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    const e = await sdkError(
      h.kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator })),
    );
    expect(e.name).toBe('ProvisionedThroughputExceededException');
    await h.clock.advance(60_000);
    const m = h.sink.data.find((d) => d.metricName === 'ReadProvisionedThroughputExceeded');
    expect(m).toMatchObject({ sum: 1, sampleCount: 6 });
  });

  it('limits reads to 2 MiB/s per shard: a large read blocks the next seconds', async () => {
    await create('s', 1);
    const MiB = 1024 * 1024;
    // 8 records of 0.99 MiB over 8 seconds (writes are 1 MiB/s per shard).
    for (let i = 0; i < 8; i++) {
      await h.kinesis.send(
        new PutRecordCommand({
          StreamName: 's',
          PartitionKey: 'a',
          Data: new Uint8Array(MiB - 10_000),
        }),
      );
      await h.clock.advance(1_000);
    }
    const it = await h.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: 's',
        ShardId: 'shardId-0',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const first = await h.kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    expect(first.Records).toHaveLength(8);
    await h.clock.advance(1_000);
    const blocked = await sdkError(
      h.kinesis.send(new GetRecordsCommand({ ShardIterator: first.NextShardIterator })),
    );
    expect(blocked.name).toBe('ProvisionedThroughputExceededException');
    await h.clock.advance(3_000);
    await h.kinesis.send(new GetRecordsCommand({ ShardIterator: first.NextShardIterator }));
  });

  it('reports MillisBehindLatest and reads parents, then children, across resharding', async () => {
    await create('s', 1);
    await h.kinesis.send(
      new PutRecordCommand({ StreamName: 's', PartitionKey: 'a', Data: new Uint8Array([1]) }),
    );
    await h.clock.advance(5_000);
    await h.kinesis.send(
      new PutRecordCommand({ StreamName: 's', PartitionKey: 'a', Data: new Uint8Array([2]) }),
    );
    const it = await h.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: 's',
        ShardId: 'shardId-0',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const first = await h.kinesis.send(
      new GetRecordsCommand({ ShardIterator: it.ShardIterator, Limit: 1 }),
    );
    expect(first.MillisBehindLatest).toBe(5_000);
    await h.kinesis.send(
      new UpdateShardCountCommand({
        StreamName: 's',
        TargetShardCount: 2,
        ScalingType: 'UNIFORM_SCALING',
      }),
    );
    await h.clock.advance(reshardingDurationMs(1, 2, 10_000));
    const rest = await h.kinesis.send(
      new GetRecordsCommand({ ShardIterator: first.NextShardIterator }),
    );
    expect(rest.Records?.map((r) => r.Data?.[0])).toEqual([2]);
    expect(rest.MillisBehindLatest).toBe(0);
    expect(rest.NextShardIterator).toBeUndefined();
    expect(rest.ChildShards?.map((c) => [c.ShardId, c.ParentShards])).toEqual([
      ['shardId-000000000001', ['shardId-000000000000']],
      ['shardId-000000000002', ['shardId-000000000000']],
    ]);
  });
});

describe('CBOR (application/x-amz-cbor-1.1)', () => {
  it('round-trips requests, blobs, timestamps and errors with a CBOR client', async () => {
    const call = async (op: string, body: unknown) => {
      const r = await h.raw(op, cbor.serialize(body), 'application/x-amz-cbor-1.1');
      return {
        status: r.status,
        type: r.headers.get('content-type'),
        body: r.body.length ? (cbor.deserialize(r.body) as Record<string, unknown>) : undefined,
      };
    };
    expect(await call('CreateStream', { StreamName: 'c', ShardCount: 1 })).toMatchObject({
      status: 200,
      body: undefined,
    });
    await h.clock.advance(500);
    const payload = new Uint8Array([0, 1, 2, 250, 255]);
    const put = await call('PutRecord', { StreamName: 'c', PartitionKey: 'k', Data: payload });
    expect(put.type).toBe('application/x-amz-cbor-1.1');
    expect(put.body?.ShardId).toBe('shardId-000000000000');
    const it = await call('GetShardIterator', {
      StreamName: 'c',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'AT_TIMESTAMP',
      Timestamp: dateToTag(new Date(h.clock.now() - 1_000)),
    });
    expect(it.status, JSON.stringify(it.body)).toBe(200);
    const got = await call('GetRecords', { ShardIterator: it.body?.ShardIterator });
    const records = got.body?.Records as {
      Data: Uint8Array;
      ApproximateArrivalTimestamp: { tag: number; value: number };
    }[];
    expect(records).toHaveLength(1);
    expect(new Uint8Array(records[0]!.Data)).toEqual(payload);
    // Timestamps travel as CBOR tag 1, epoch seconds with milliseconds.
    expect(records[0]!.ApproximateArrivalTimestamp).toMatchObject({
      tag: 1,
      value: h.clock.now() / 1000,
    });
    const err = await call('DescribeStream', { StreamName: 'missing' });
    expect(err).toMatchObject({
      status: 400,
      body: {
        __type: 'ResourceNotFoundException',
        message: `Stream missing under account ${ACCOUNT} not found.`,
      },
    });
  });
});
