/**
 * The seed as a Lambda of its own, written from aws-facts.md ("The seed (Python original),
 * exactly"), so the simulator compares our autoscaler with what it replaces rather than with a
 * configuration of itself. What makes it the seed, and not ours:
 * - it raises on every error (stream not ACTIVE, UpdateShardCount refused): Lambda's async retries
 *   run, and nothing re-arms the alarm, which stays in ALARM until its state changes by itself;
 * - it resyncs the alarms' shard count before it checks the stream's status;
 * - at target == current it does nothing, the alarm included;
 * - no scaling log, no deduplication, no quota reserve.
 * It returns the same `Outcome` shape as ours, which the simulator reads as its decision channel.
 */
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import {
  readAlarmContract,
  rewriteAlarm,
  siblingAlarmName,
  type Direction,
} from '../../autoscaler/alarm-contract.js';
import type { Outcome } from '../../autoscaler/scaler.js';
import { clientConfig } from '../../aws/clients.js';
import { SEED_LOOKBACK_MS, SEED_PERIOD_SECONDS, seedTarget, seedUsage } from './decide.js';

interface SnsRecord {
  Sns: { MessageId?: string; Message: string };
}

let clients: { kinesis: KinesisClient; cloudwatch: CloudWatchClient } | undefined;
function aws() {
  clients ??= {
    kinesis: new KinesisClient(clientConfig()),
    cloudwatch: new CloudWatchClient(clientConfig()),
  };
  return clients;
}

export async function handler(event: { Records?: SnsRecord[] }): Promise<Outcome[]> {
  const out: Outcome[] = [];
  // The seed handles records in turn and lets the first error escape, as a Python handler does.
  for (const record of event.Records ?? []) out.push(await handleRecord(record));
  return out;
}

async function handleRecord(record: SnsRecord): Promise<Outcome> {
  const { kinesis, cloudwatch } = aws();
  const message = JSON.parse(record.Sns.Message) as {
    AlarmName: string;
    NewStateValue: string;
    StateChangeTime: string;
  };
  const base = { messageId: record.Sns.MessageId, alarmName: message.AlarmName };
  if (message.NewStateValue !== 'ALARM') {
    return { ...base, outcome: 'ignored', detail: `state ${message.NewStateValue}` };
  }
  const siblingName = siblingAlarmName(message.AlarmName);
  const described = await cloudwatch.send(
    new DescribeAlarmsCommand({ AlarmNames: [message.AlarmName, siblingName] }),
  );
  const alarms = described.MetricAlarms ?? [];
  const self = alarms.find((a) => a.AlarmName === message.AlarmName);
  if (!self) throw new Error(`alarm ${message.AlarmName} not found`);
  const contract = readAlarmContract(self);
  const direction: Direction = contract.direction;
  const stream = contract.streamName;

  const summary = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream })))
    .StreamDescriptionSummary;
  const n = summary?.OpenShardCount ?? 0;
  // Resync first: a rewrite that failed after an earlier scaling is fixed even while resharding.
  if (contract.shardCount !== n) await putAlarms(cloudwatch, alarms, n);
  if (summary?.StreamStatus !== 'ACTIVE') {
    throw new Error(`stream ${stream} is ${summary?.StreamStatus}, not ACTIVE`);
  }

  let maxUsage = 0;
  if (direction === 'down') {
    const end = Date.parse(message.StateChangeTime.replace(/\+0000$/, 'Z'));
    maxUsage = await dayMaxUsage(cloudwatch, stream, end, n);
  }
  const target = seedTarget(direction, n, maxUsage);
  const withStream = { ...base, streamName: stream, shardCount: n };
  if (target === n) {
    return { ...withStream, outcome: 'no-change', detail: `target equals current (${n})` };
  }
  // Refusals (over double, below half, the daily quota) escape as errors: Lambda retries them.
  await kinesis.send(
    new UpdateShardCountCommand({
      StreamName: stream,
      TargetShardCount: target,
      ScalingType: 'UNIFORM_SCALING',
    }),
  );
  await putAlarms(cloudwatch, alarms, target);
  for (const a of alarms) {
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: a.AlarmName!,
        StateValue: 'INSUFFICIENT_DATA',
        StateReason: `seed: scaled ${n} -> ${target}`,
      }),
    );
  }
  return {
    ...withStream,
    outcome: 'scaled',
    targetShardCount: target,
    detail: `seed ${direction}: ${n} -> ${target}${direction === 'down' ? ` (24 h max usage ${maxUsage.toFixed(3)})` : ''}`,
  };
}

/** Both alarms for `shards`; the scale-down alarm's actions are off at one shard. */
async function putAlarms(cloudwatch: CloudWatchClient, alarms: MetricAlarm[], shards: number) {
  for (const alarm of alarms) {
    const down = readAlarmContract(alarm).direction === 'down';
    await cloudwatch.send(
      new PutMetricAlarmCommand(rewriteAlarm(alarm, shards, down ? shards > 1 : true)),
    );
  }
}

async function dayMaxUsage(
  cloudwatch: CloudWatchClient,
  stream: string,
  endMs: number,
  n: number,
): Promise<number> {
  const query = (id: string, metricName: string) => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Kinesis',
        MetricName: metricName,
        Dimensions: [{ Name: 'StreamName', Value: stream }],
      },
      Period: SEED_PERIOD_SECONDS,
      Stat: 'Sum',
    },
  });
  const end = Math.floor(endMs / (SEED_PERIOD_SECONDS * 1000)) * SEED_PERIOD_SECONDS * 1000;
  const byId = new Map<string, Map<number, number>>();
  let next: string | undefined;
  do {
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(end - SEED_LOOKBACK_MS),
        EndTime: new Date(end),
        MetricDataQueries: [query('bytes', 'IncomingBytes'), query('records', 'IncomingRecords')],
        NextToken: next,
      }),
    );
    for (const r of out.MetricDataResults ?? []) {
      const m = byId.get(r.Id!) ?? new Map<number, number>();
      (r.Timestamps ?? []).forEach((t, i) => m.set(t.getTime(), r.Values?.[i] ?? 0));
      byId.set(r.Id!, m);
    }
    next = out.NextToken;
  } while (next);
  const bytes = byId.get('bytes') ?? new Map<number, number>();
  const records = byId.get('records') ?? new Map<number, number>();
  let max = 0;
  for (const t of new Set([...bytes.keys(), ...records.keys()])) {
    max = Math.max(max, seedUsage(bytes.get(t) ?? 0, records.get(t) ?? 0, n));
  }
  return max;
}
