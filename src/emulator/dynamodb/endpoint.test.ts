import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type http from 'node:http';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clientConfig } from '../../aws/clients.js';
import { EdgeServer } from '../server.js';
import { DynamoDbEndpoint } from './endpoint.js';

const TABLE = 'kinesis-autoscaler-logs-local';

describe('DynamoDbEndpoint', () => {
  let edge: EdgeServer;
  let endpoint: DynamoDbEndpoint;
  let url: string;
  let ddb: DynamoDBClient;
  let doc: DynamoDBDocumentClient;

  const client = (region: string) =>
    new DynamoDBClient(clientConfig({ endpoint: url, region }, {}));

  beforeAll(async () => {
    endpoint = new DynamoDbEndpoint({ accountId: '123456789012' });
    edge = new EdgeServer({
      endpoints: [],
      rawEndpoints: [endpoint],
      defaultRegion: 'us-east-1',
      accountId: '123456789012',
    });
    url = (await edge.listen(0)).url;
    ddb = client('us-east-1');
    doc = DynamoDBDocumentClient.from(ddb);
    await ddb.send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: [
          { AttributeName: 'stream_name', AttributeType: 'S' },
          { AttributeName: 'scaling_datetime', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'stream_name', KeyType: 'HASH' },
          { AttributeName: 'scaling_datetime', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  });

  afterAll(async () => {
    ddb?.destroy();
    await edge?.close();
    await endpoint?.close();
  });

  it('creates a PAY_PER_REQUEST table that is ACTIVE at once, with an ARN for the region', async () => {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: TABLE }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.TableArn).toBe(`arn:aws:dynamodb:us-east-1:123456789012:table/${TABLE}`);
  });

  it('rejects a conditional put on an existing key', async () => {
    const item = { stream_name: 's1', scaling_datetime: '2026-01-01T00:00:00.000Z', shards: 2 };
    const put = () =>
      doc.send(
        new PutCommand({
          TableName: TABLE,
          Item: item,
          ConditionExpression: 'attribute_not_exists(stream_name)',
        }),
      );
    await put();
    await expect(put()).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('queries newest first with a limit', async () => {
    for (const minute of ['01', '02', '03', '04']) {
      await doc.send(
        new PutCommand({
          TableName: TABLE,
          Item: { stream_name: 'q', scaling_datetime: `2026-01-01T00:${minute}:00.000Z` },
        }),
      );
    }
    const out = await doc.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'stream_name = :s',
        ExpressionAttributeValues: { ':s': 'q' },
        ScanIndexForward: false,
        Limit: 2,
      }),
    );
    expect(out.Items?.map((i) => i.scaling_datetime)).toEqual([
      '2026-01-01T00:04:00.000Z',
      '2026-01-01T00:03:00.000Z',
    ]);
    expect(out.LastEvaluatedKey).toEqual({
      stream_name: 'q',
      scaling_datetime: '2026-01-01T00:03:00.000Z',
    });
  });

  it('records TTL settings and reports them, per table incarnation', async () => {
    const describe = async () =>
      (await ddb.send(new DescribeTimeToLiveCommand({ TableName: TABLE }))).TimeToLiveDescription;
    expect(await describe()).toEqual({ TimeToLiveStatus: 'DISABLED' });

    const updated = await ddb.send(
      new UpdateTimeToLiveCommand({
        TableName: TABLE,
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires_at' },
      }),
    );
    expect(updated.TimeToLiveSpecification).toEqual({ Enabled: true, AttributeName: 'expires_at' });
    expect(await describe()).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expires_at' });

    await expect(
      ddb.send(
        new UpdateTimeToLiveCommand({
          TableName: TABLE,
          TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires_at' },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'TimeToLive is already enabled',
    });

    await expect(
      ddb.send(
        new UpdateTimeToLiveCommand({
          TableName: 'missing-table',
          TimeToLiveSpecification: { Enabled: true, AttributeName: 'x' },
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      ddb.send(new DescribeTimeToLiveCommand({ TableName: 'missing-table' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('forgets TTL when the table is deleted and recreated', async () => {
    const name = 'ttl-recreated';
    const create = () =>
      ddb.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    await create();
    await ddb.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' },
      }),
    );
    await ddb.send(new DeleteTableCommand({ TableName: name }));
    // With deleteTableMs 0 the deletion finishes on the next timer tick; DescribeTable tells when.
    for (;;) {
      try {
        await ddb.send(new DescribeTableCommand({ TableName: name }));
      } catch (err) {
        if (err instanceof ResourceNotFoundException) break;
        throw err;
      }
    }
    await create();
    const out = await ddb.send(new DescribeTimeToLiveCommand({ TableName: name }));
    expect(out.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'DISABLED' });
  });

  it('keeps regions apart', async () => {
    const west = client('eu-west-1');
    try {
      const tables = await west.send(new ListTablesCommand({}));
      expect(tables.TableNames).toEqual([]);
      await west.send(
        new CreateTableCommand({
          TableName: TABLE,
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      const { Table } = await west.send(new DescribeTableCommand({ TableName: TABLE }));
      expect(Table?.TableArn).toBe(`arn:aws:dynamodb:eu-west-1:123456789012:table/${TABLE}`);
      expect(Table?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
      const east = await ddb.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));
      const westTtl = await west.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));
      expect(east.TimeToLiveDescription?.TimeToLiveStatus).toBe('ENABLED');
      expect(westTtl.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
    } finally {
      west.destroy();
    }
  });

  it('drops the connection instead of crashing when a client aborts mid-request', async () => {
    // Dynalite's own listener rethrows request errors, which would be an uncaught exception.
    const req = Object.assign(new PassThrough(), {
      method: 'POST',
      url: '/',
      headers: {
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        'content-type': 'application/x-amz-json-1.0',
      },
    }) as unknown as http.IncomingMessage;
    const res = { destroy: vi.fn() } as unknown as http.ServerResponse;
    endpoint.handleRaw(req, res);
    expect(() => req.emit('error', new Error('aborted'))).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(res.destroy).toHaveBeenCalled();
  });
});
