import {
  DeleteCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Direction } from './alarm-contract.js';
import { isErrorNamed } from './errors.js';
import type { Explanation, Rule } from './policy.js';

/**
 * A row is written `pending` before UpdateShardCount and becomes `done` once the call is confirmed,
 * by its response or by the stream's state. Rows from before claims had a status are `done`.
 */
export type ClaimStatus = 'pending' | 'done';

/** One row of the scaling log (keys and attribute names as in the Python original, plus ours). */
export interface ScalingLogEntry {
  stream_name: string;
  /** ISO-8601 UTC of the alarm state change that caused the scaling. */
  scaling_datetime: string;
  shard_count: number;
  target_shard_count: number;
  scaling_type: 'SCALE_UP' | 'SCALE_DOWN';
  reason: string;
  utilization: number;
  demand_utilization: number;
  throttled_records: number;
  /** The policy rule that set the target (absent on rows written before rules were logged). */
  rule?: Rule;
  /** The policy's inputs and intermediate figures (a map in DynamoDB). */
  explanation?: Explanation;
  alarm_name: string;
  event_id: string;
  /** Epoch seconds; DynamoDB's TTL removes the row after this. */
  expires_at: number;
  status?: ClaimStatus;
  /** ISO-8601 UTC (the services' clock) of the claim, to tell a live claim from an abandoned one. */
  claimed_at?: string;
  /** How the claim was confirmed: `response` of UpdateShardCount or the stream's `state`. */
  confirmed_by?: 'response' | 'state';
}

export const DAY_MS = 24 * 60 * 60 * 1000;
/** More than a day's worth of scalings (at most 10), so one query answers both questions. */
const RECENT_LIMIT = 25;

export function scalingType(direction: Direction): ScalingLogEntry['scaling_type'] {
  return direction === 'up' ? 'SCALE_UP' : 'SCALE_DOWN';
}

export function isPending(entry: ScalingLogEntry): boolean {
  return entry.status === 'pending';
}

/**
 * Scalings inside the rolling 24 hours before `at` (the Kinesis quota window). Pending claims count:
 * their UpdateShardCount may have been applied, and Kinesis counts it if so.
 */
export function operationsInLastDay(entries: readonly ScalingLogEntry[], at: number): number {
  return entries.filter((e) => {
    const t = Date.parse(e.scaling_datetime);
    return t > at - DAY_MS && t <= at;
  }).length;
}

/** How long a usage that throttled is remembered: a week covers the days a stream repeats. */
const THROTTLE_MEMORY_MS = 7 * DAY_MS;

/**
 * The lowest usage at which the stream throttled in the log's recent decisions (their
 * `explanation.throttledAt`, from the last week of the entries `recent` returns).
 */
export function throttleOnsetOf(
  entries: readonly ScalingLogEntry[],
  at: number,
): number | undefined {
  let onset: number | undefined;
  for (const e of entries) {
    const u = e.explanation?.throttledAt;
    if (u === undefined || Date.parse(e.scaling_datetime) < at - THROTTLE_MEMORY_MS) continue;
    onset = Math.min(onset ?? u, u);
  }
  return onset;
}

const isConditionFailure = (err: unknown) => isErrorNamed(err, 'ConditionalCheckFailedException');

/**
 * The scaling log in DynamoDB doubles as the idempotency record: an entry is written with a
 * conditional put *before* UpdateShardCount, keyed by stream and alarm state-change time, so two
 * deliveries of the same state change cannot both scale. The entry records the intent (`pending`)
 * until the call is confirmed, so a lost response or a crash leaves a row that a retry or the
 * reconciler can complete or release by reading the stream, instead of a gap or a blocking row.
 */
export class ScalingLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  /** The stream's latest entries, newest first. */
  async recent(streamName: string): Promise<ScalingLogEntry[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'stream_name = :s',
        ExpressionAttributeValues: { ':s': streamName },
        ScanIndexForward: false,
        Limit: RECENT_LIMIT,
      }),
    );
    return (out.Items ?? []) as ScalingLogEntry[];
  }

  /** Writes the entry unless one exists for the same stream and instant; false when it exists. */
  async claim(entry: ScalingLogEntry): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: entry,
          ConditionExpression: 'attribute_not_exists(stream_name)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** Marks a claim `done`: its UpdateShardCount is known to have been applied. */
  async confirm(
    entry: Pick<ScalingLogEntry, 'stream_name' | 'scaling_datetime'>,
    by: NonNullable<ScalingLogEntry['confirmed_by']>,
  ): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { stream_name: entry.stream_name, scaling_datetime: entry.scaling_datetime },
          UpdateExpression: 'SET #status = :done, confirmed_by = :by',
          ConditionExpression: 'attribute_exists(stream_name)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':done': 'done', ':by': by },
        }),
      );
    } catch (err) {
      // Released in the meantime (by the reconciler, say): nothing left to confirm.
      if (!isConditionFailure(err)) throw err;
    }
  }

  /**
   * Removes a claim whose UpdateShardCount did not happen, so it neither blocks nor counts. Only a
   * `pending` row is removed: a confirmed scaling stays in the log whoever asks.
   */
  async release(entry: Pick<ScalingLogEntry, 'stream_name' | 'scaling_datetime'>): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { stream_name: entry.stream_name, scaling_datetime: entry.scaling_datetime },
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending' },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }
}
