import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import type { Direction } from './alarm-contract.js';
import type { ScalingConfig } from './config.js';
import type { DecisionLogger, ScalerDeps } from './scaler.js';
import { ScalingLog, type ScalingLogEntry } from './scaling-log.js';

/**
 * What the scaling functions' and the reconciler's unit tests share: their dependencies over
 * clients that aws-sdk-client-mock intercepts, a logger that records, and the scaling-log table as
 * DynamoDB would answer the calls ScalingLog makes.
 */

export interface LogLine {
  level: string;
  message: string;
  extra: Record<string, unknown>;
}

export const TEST_TOPICS: Record<Direction, string> = {
  up: 'arn:aws:sns:us-east-1:000000000000:kinesis-autoscaler-scale-up-dev',
  down: 'arn:aws:sns:us-east-1:000000000000:kinesis-autoscaler-scale-down-dev',
};

/** Mocks of the three services' clients (every instance of each class), reset. */
export function mockServices() {
  const mocks = {
    kinesis: mockClient(KinesisClient),
    cloudwatch: mockClient(CloudWatchClient),
    dynamo: mockClient(DynamoDBDocumentClient),
  };
  for (const m of Object.values(mocks)) m.reset();
  return mocks;
}

export function testDeps(opts: {
  logs: LogLine[];
  now: () => number;
  defaults: ScalingConfig;
}): ScalerDeps {
  const logger: DecisionLogger = {
    info: (message, extra) => opts.logs.push({ level: 'info', message, extra }),
    warn: (message, extra) => opts.logs.push({ level: 'warn', message, extra }),
    error: (message, extra) => opts.logs.push({ level: 'error', message, extra }),
  };
  return {
    kinesis: new KinesisClient({ region: 'us-east-1' }),
    cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
    scalingLog: new ScalingLog(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
      'log',
    ),
    config: { defaults: opts.defaults, scalingLogTable: 'log', scalingLogTtlDays: 14 },
    logger,
    now: opts.now,
    topics: TEST_TOPICS,
  };
}

const conditionFailed = () =>
  Object.assign(new Error('The conditional request failed'), {
    name: 'ConditionalCheckFailedException',
  });

/**
 * The scaling-log table over `table.log`, which the test reads and may replace: a conditional put
 * per stream and instant, confirm (update) of an existing row, release (delete) of a pending one,
 * and the query of a stream's rows, newest first.
 */
export function mockScalingLogTable(
  dynamo: AwsStub<ServiceInputTypes, ServiceOutputTypes, DynamoDBDocumentClientResolvedConfig>,
  table: { log: ScalingLogEntry[] },
): void {
  dynamo.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: { ':s': string } }) => ({
    Items: table.log
      .filter((e) => e.stream_name === input.ExpressionAttributeValues[':s'])
      .sort((a, b) => b.scaling_datetime.localeCompare(a.scaling_datetime)),
  }));
  dynamo.on(PutCommand).callsFake((input: { Item: ScalingLogEntry }) => {
    const item = input.Item;
    if (
      table.log.some(
        (e) => e.stream_name === item.stream_name && e.scaling_datetime === item.scaling_datetime,
      )
    ) {
      throw conditionFailed();
    }
    table.log.push(item);
    return {};
  });
  dynamo.on(DeleteCommand).callsFake((input: { Key: { scaling_datetime: string } }) => {
    const row = table.log.find((e) => e.scaling_datetime === input.Key.scaling_datetime);
    if (row?.status !== 'pending') throw conditionFailed();
    table.log = table.log.filter((e) => e !== row);
    return {};
  });
  dynamo
    .on(UpdateCommand)
    .callsFake(
      (input: {
        Key: { scaling_datetime: string };
        ExpressionAttributeValues: { ':by': 'response' | 'state' };
      }) => {
        const row = table.log.find((e) => e.scaling_datetime === input.Key.scaling_datetime);
        if (!row) throw conditionFailed();
        row.status = 'done';
        row.confirmed_by = input.ExpressionAttributeValues[':by'];
        return {};
      },
    );
}
