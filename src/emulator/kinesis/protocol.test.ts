import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  PutRecordsCommand,
  RemoveTagsFromStreamCommand,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../aws/clients.js';
import { ManualClock } from '../clock.js';
import type { MetricDatum, MetricSink } from '../contracts.js';
import { EdgeServer } from '../server.js';
import { KinesisModel } from './model.js';
import { KinesisEndpoint } from './protocol.js';

const ACCOUNT = '000000000000';

class FakeSink implements MetricSink {
  readonly data: MetricDatum[] = [];
  putMetric(datum: MetricDatum): void {
    this.data.push(datum);
  }
}

const clock = new ManualClock();
const sink = new FakeSink();
const models = new Map<string, KinesisModel>();
const modelFor = (region: string) => {
  let m = models.get(region);
  if (!m) {
    m = new KinesisModel({ clock, region, accountId: ACCOUNT, metrics: sink });
    models.set(region, m);
  }
  return m;
};
const server = new EdgeServer({
  endpoints: [new KinesisEndpoint(modelFor)],
  defaultRegion: 'us-east-1',
  accountId: ACCOUNT,
});
let url = '';
let kinesis: KinesisClient;

/** Sends a raw awsJson request, for shapes the SDK would refuse to produce. */
async function raw(op: string, body: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `Kinesis_20131202.${op}`,
    },
    body,
  });
  return {
    status: res.status,
    json: (await res.json()) as { __type?: string; message?: string; Message?: string },
  };
}

async function sdkError(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { name: string; message: string };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  ({ url } = await server.listen(0));
  // Throttling errors are retried by default; one attempt keeps the tests fast and exact.
  kinesis = new KinesisClient({
    ...clientConfig({ endpoint: url, region: 'us-east-1' }),
    maxAttempts: 1,
  });
});

afterAll(async () => {
  kinesis.destroy();
  for (const m of models.values()) m.dispose();
  await server.close();
});

describe('Kinesis over awsJson1_1 with the AWS SDK', () => {
  it('creates, describes and lists streams', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 2 }));
    const creating = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'orders' }));
    expect(creating.StreamDescriptionSummary?.StreamStatus).toBe('CREATING');
    await clock.advance(500);
    const d = await kinesis.send(new DescribeStreamCommand({ StreamName: 'orders' }));
    expect(d.StreamDescription).toMatchObject({
      StreamName: 'orders',
      StreamStatus: 'ACTIVE',
      StreamARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/orders`,
      RetentionPeriodHours: 24,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
    });
    expect(d.StreamDescription?.StreamCreationTimestamp).toEqual(new Date(clock.now() - 500));
    expect(d.StreamDescription?.Shards?.map((s) => s.ShardId)).toEqual([
      'shardId-000000000000',
      'shardId-000000000001',
    ]);
    const list = await kinesis.send(new ListStreamsCommand({}));
    expect(list.StreamNames).toEqual(['orders']);
    expect(list.StreamSummaries?.[0]?.StreamCreationTimestamp).toBeInstanceOf(Date);
  });

  it('puts and gets records with base64 blobs', async () => {
    const put = await kinesis.send(
      new PutRecordCommand({
        StreamName: 'orders',
        PartitionKey: 'p1',
        Data: new TextEncoder().encode('hello'),
      }),
    );
    expect(put.SequenceNumber).toMatch(/^\d+$/);
    const batch = await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'orders',
        Records: [
          { PartitionKey: 'p1', Data: new TextEncoder().encode('a') },
          { PartitionKey: 'p1', Data: new Uint8Array([0, 255, 1]) },
        ],
      }),
    );
    expect(batch.FailedRecordCount).toBe(0);
    expect(batch.Records?.every((r) => r.ShardId === put.ShardId)).toBe(true);
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: 'orders',
        ShardId: put.ShardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: put.SequenceNumber,
      }),
    );
    const got = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    expect(got.Records?.map((r) => Buffer.from(r.Data!).toString('hex'))).toEqual([
      Buffer.from('hello').toString('hex'),
      Buffer.from('a').toString('hex'),
      '00ff01',
    ]);
    expect(got.Records?.[0]?.ApproximateArrivalTimestamp).toEqual(new Date(clock.now()));
    expect(got.NextShardIterator).toBeTruthy();
    expect(got.MillisBehindLatest).toBe(0);
  });

  it('reports throttling per record in PutRecords and by name in PutRecord', async () => {
    await clock.advance(1_000);
    const records = Array.from({ length: 500 }, () => ({
      PartitionKey: 'hot',
      Data: new Uint8Array(1),
    }));
    await kinesis.send(new PutRecordsCommand({ StreamName: 'orders', Records: records }));
    await kinesis.send(new PutRecordsCommand({ StreamName: 'orders', Records: records }));
    const over = await kinesis.send(
      new PutRecordsCommand({ StreamName: 'orders', Records: records.slice(0, 2) }),
    );
    expect(over.FailedRecordCount).toBe(2);
    expect(over.Records?.[0]).toMatchObject({
      ErrorCode: 'ProvisionedThroughputExceededException',
      ErrorMessage: expect.stringMatching(
        /^Rate exceeded for shard shardId-00000000000[01] in stream orders under account 000000000000\.$/,
      ),
    });
    const err = await sdkError(
      kinesis.send(
        new PutRecordCommand({
          StreamName: 'orders',
          PartitionKey: 'hot',
          Data: new Uint8Array(1),
        }),
      ),
    );
    expect(err.name).toBe('ProvisionedThroughputExceededException');
  });

  it('updates the shard count and surfaces its errors by name', async () => {
    const up = await kinesis.send(
      new UpdateShardCountCommand({
        StreamARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/orders`,
        TargetShardCount: 4,
        ScalingType: 'UNIFORM_SCALING',
      }),
    );
    expect(up).toMatchObject({ StreamName: 'orders', CurrentShardCount: 2, TargetShardCount: 4 });
    const busy = await sdkError(
      kinesis.send(
        new UpdateShardCountCommand({
          StreamName: 'orders',
          TargetShardCount: 3,
          ScalingType: 'UNIFORM_SCALING',
        }),
      ),
    );
    expect(busy.name).toBe('ResourceInUseException');
    expect(busy.message).toBe(
      `Stream orders under account ${ACCOUNT} not ACTIVE, instead in state UPDATING`,
    );
    await clock.advance(30_000);
    const open = await kinesis.send(
      new ListShardsCommand({ StreamName: 'orders', ShardFilter: { Type: 'AT_LATEST' } }),
    );
    expect(open.Shards).toHaveLength(4);
    expect(open.Shards?.every((s) => s.ParentShardId)).toBe(true);
    const tooFar = await sdkError(
      kinesis.send(
        new UpdateShardCountCommand({
          StreamName: 'orders',
          TargetShardCount: 9,
          ScalingType: 'UNIFORM_SCALING',
        }),
      ),
    );
    expect(tooFar.name).toBe('LimitExceededException');
    expect(tooFar.message).toContain('Current open shard count: 4, Target shard count: 9');
    const badKey = await sdkError(
      kinesis.send(
        new PutRecordCommand({
          StreamName: 'orders',
          PartitionKey: 'k',
          ExplicitHashKey: '-1',
          Data: new Uint8Array(1),
        }),
      ),
    );
    expect(badKey.name).toBe('ValidationException');
    expect(badKey.message).toBe(
      "1 validation error detected: Value '-1' at 'explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})",
    );
    const missing = await sdkError(kinesis.send(new DescribeStreamCommand({ StreamName: 'nope' })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  it('reads a closed parent to its end and reports its children', async () => {
    const shards = await kinesis.send(new ListShardsCommand({ StreamName: 'orders' }));
    const parent = shards.Shards?.find((s) => s.SequenceNumberRange?.EndingSequenceNumber);
    expect(parent).toBeDefined();
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: 'orders',
        ShardId: parent!.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const got = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    expect(got.NextShardIterator).toBeUndefined();
    expect(got.ChildShards?.length).toBe(2);
    expect(got.ChildShards?.[0]?.ParentShards).toEqual([parent!.ShardId]);
  });

  it('tags streams', async () => {
    await kinesis.send(
      new AddTagsToStreamCommand({ StreamName: 'orders', Tags: { team: 'data', env: 'dev' } }),
    );
    await kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: 'orders', TagKeys: ['env'] }));
    const tags = await kinesis.send(new ListTagsForStreamCommand({ StreamName: 'orders' }));
    expect(tags).toMatchObject({ Tags: [{ Key: 'team', Value: 'data' }], HasMoreTags: false });
  });

  it('publishes stream metrics for the traffic it served', async () => {
    await clock.advance(60_000);
    const bytes = sink.data.filter(
      (d) => d.metricName === 'IncomingRecords' && d.dimensions[0]?.value === 'orders',
    );
    expect(bytes.reduce((a, d) => a + d.sum, 0)).toBe(1003);
  });

  it('answers malformed and unknown requests in the AWS error shape and keeps serving', async () => {
    const bad = await raw('DescribeStream', '{"StreamName": ');
    expect(bad.status).toBe(400);
    expect(bad.json.__type).toBe('SerializationException');
    const unknown = await raw('SubscribeToShard', '{}');
    expect(unknown.json.__type).toBe('UnknownOperationException');
    const missing = await raw('CreateStream', '{"ShardCount": 1}');
    expect(missing.json).toEqual({
      __type: 'ValidationException',
      message:
        "1 validation error detected: Value null at 'streamName' failed to satisfy constraint: Member must not be null",
    });
    const blobErrors: [string, string][] = [
      ['not base64!', 'Base64 encoded length is expected a multiple of 4 bytes but found: 11'],
      ['abc', 'Base64 encoded length is expected a multiple of 4 bytes but found: 3'],
      ['ab=c', "Invalid Base64 character: '='"],
      ['+/+=', 'Invalid last non-pad Base64 character dectected'],
    ];
    for (const [data, why] of blobErrors) {
      const blob = await raw(
        'PutRecord',
        JSON.stringify({ StreamName: 'x', PartitionKey: 'k', Data: data }),
      );
      expect(blob.json, data).toEqual({
        __type: 'SerializationException',
        Message: `'${data}' can not be converted to a Blob: ${why}`,
      });
    }
    const deep = await raw('DescribeStream', `{"StreamName":${'['.repeat(100)}${']'.repeat(100)}}`);
    expect(deep.json).toEqual({
      __type: 'SerializationException',
      Message: 'Start of list found where not expected',
    });
    const wrongType = await raw('CreateStream', '{"StreamName": "x", "ShardCount": "two"}');
    expect(wrongType.json).toEqual({
      __type: 'SerializationException',
      Message: 'class java.lang.String can not be converted to an Integer',
    });
    const badBlob = await raw(
      'PutRecords',
      '{"StreamName":"orders","Records":[{"PartitionKey":"k","Data":"!!"}]}',
    );
    expect(badBlob.json.__type).toBe('SerializationException');
    const badMode = await raw(
      'CreateStream',
      '{"StreamName":"x","StreamModeDetails":{"StreamMode":"FAST"}}',
    );
    expect(badMode.json.message).toContain("'streamModeDetails.streamMode'");
    const still = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'orders' }));
    expect(still.StreamDescriptionSummary?.OpenShardCount).toBe(4);
  });

  it('routes by the signing region', async () => {
    const west = new KinesisClient({
      ...clientConfig({ endpoint: url, region: 'eu-central-1' }),
      maxAttempts: 1,
    });
    try {
      await west.send(
        new CreateStreamCommand({
          StreamName: 'w',
          StreamModeDetails: { StreamMode: 'ON_DEMAND' },
        }),
      );
      await clock.advance(500);
      const d = await west.send(new DescribeStreamSummaryCommand({ StreamName: 'w' }));
      expect(d.StreamDescriptionSummary?.StreamARN).toBe(
        `arn:aws:kinesis:eu-central-1:${ACCOUNT}:stream/w`,
      );
      expect(d.StreamDescriptionSummary?.OpenShardCount).toBe(4);
      const east = await kinesis.send(new ListStreamsCommand({}));
      expect(east.StreamNames).toEqual(['orders']);
    } finally {
      west.destroy();
    }
  });
});
