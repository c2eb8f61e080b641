import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SCALING_OPERATIONS_PER_DAY } from '../autoscaler/config.js';
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

/**
 * One readable line per scaling: when, which way, from and to, the rule that fired and the figures
 * it weighed (rows written before rules were logged show their reason text instead).
 */
export function formatScalingLogEntry(e: ScalingLogEntry): string {
  const head = `${e.scaling_datetime}  ${e.scaling_type.padEnd(10)} ${String(e.shard_count).padStart(5)} -> ${String(e.target_shard_count).padEnd(5)}`;
  const x = e.explanation;
  if (!x) return `${head} ${e.reason}`;
  const parts = [`${x.rule.padEnd(9)} demand ${fmt(x.demandShards)} shards`];
  if (x.forecastShards !== undefined) {
    parts.push(`forecast ${fmt(x.forecastShards)} (${x.forecastDays ?? '?'} days)`);
  }
  parts.push(
    `target ${Math.round(x.target * 100)}%${x.growth > 1 ? ` (growth x${x.growth.toFixed(2)})` : ''}`,
  );
  if (x.dayPeakShards !== undefined) parts.push(`day peak needs ${x.dayPeakShards}`);
  if (x.throttledAt !== undefined) parts.push(`throttled at ${Math.round(x.throttledAt * 100)}%`);
  parts.push(
    `calls ${x.callsUsed}/${SCALING_OPERATIONS_PER_DAY}${x.callsReserved !== undefined ? `, ${x.callsReserved} kept` : ''}`,
  );
  return `${head} ${parts.join(', ')}`;
}

function fmt(x: number): string {
  return x >= 10 ? x.toFixed(0) : x.toFixed(1);
}
