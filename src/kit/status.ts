import { ListStreamsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  readAlarmContract,
  type Direction,
  directionOfAlarm,
} from '../autoscaler/alarm-contract.js';
import type { ScalingLogEntry } from '../autoscaler/scaling-log.js';
import { KitError } from './errors.js';
import { readScalingLog } from './scaling-log.js';
import { describeStream } from './streams.js';
import { describeAlarms } from './subscription.js';

export interface AlarmStatus {
  name: string;
  state: string;
  threshold: number | undefined;
  actionsEnabled: boolean;
  /** The shard count the alarm's math currently assumes. */
  shardCount: number | undefined;
}

export interface StreamStatus {
  stream: string;
  status: string;
  mode: string;
  openShards: number;
  alarms: Partial<Record<Direction, AlarmStatus>>;
  lastScalings: ScalingLogEntry[];
}

async function allStreams(kinesis: KinesisClient): Promise<string[]> {
  const names: string[] = [];
  let start: string | undefined;
  for (;;) {
    const out = await kinesis.send(
      new ListStreamsCommand({ ExclusiveStartStreamName: start, Limit: 100 }),
    );
    names.push(...(out.StreamNames ?? []));
    if (!out.HasMoreStreams || !out.StreamNames?.length) return names;
    start = out.StreamNames[out.StreamNames.length - 1];
  }
}

export async function collectStatus(
  clients: {
    kinesis: KinesisClient;
    cloudwatch: CloudWatchClient;
    dynamodb: DynamoDBDocumentClient;
  },
  logTable: string,
  stream?: string,
): Promise<StreamStatus[]> {
  const names = stream ? [stream] : await allStreams(clients.kinesis);
  const rows: StreamStatus[] = [];
  let logAvailable = true;
  for (const name of names) {
    const summary = await describeStream(clients.kinesis, name);
    const alarms: StreamStatus['alarms'] = {};
    for (const alarm of await describeAlarms(clients.cloudwatch, name)) {
      const direction = directionOfAlarm(alarm.AlarmName ?? '');
      if (!direction) continue;
      let shardCount: number | undefined;
      try {
        shardCount = readAlarmContract(alarm).shardCount;
      } catch {
        shardCount = undefined;
      }
      alarms[direction] = {
        name: alarm.AlarmName ?? '',
        state: alarm.StateValue ?? 'UNKNOWN',
        threshold: alarm.Threshold,
        actionsEnabled: alarm.ActionsEnabled ?? true,
        shardCount,
      };
    }
    let lastScalings: ScalingLogEntry[] = [];
    if (logAvailable) {
      try {
        lastScalings = await readScalingLog(clients.dynamodb, logTable, name, 3);
      } catch (err) {
        // A missing log table only means nothing was deployed; the stream table is still useful.
        if (!(err instanceof KitError)) throw err;
        logAvailable = false;
      }
    }
    rows.push({
      stream: name,
      status: summary.StreamStatus ?? 'UNKNOWN',
      mode: summary.StreamModeDetails?.StreamMode ?? 'PROVISIONED',
      openShards: summary.OpenShardCount ?? 0,
      alarms,
      lastScalings,
    });
  }
  return rows;
}
