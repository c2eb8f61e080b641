import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ScalingLogEntry } from '../autoscaler/scaling-log.js';
import { errorName } from '../aws/errors.js';
import { KitError } from './errors.js';

/** The stream's scaling log, newest first. */
export async function readScalingLog(
  db: DynamoDBDocumentClient,
  table: string,
  stream: string,
  limit = 20,
): Promise<ScalingLogEntry[]> {
  try {
    const out = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'stream_name = :s',
        ExpressionAttributeValues: { ':s': stream },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []) as ScalingLogEntry[];
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException') {
      throw new KitError(
        `scaling log table ${table} does not exist: is the autoscaler deployed for this stage?`,
      );
    }
    throw err;
  }
}
