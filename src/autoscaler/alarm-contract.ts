import { InputError } from './errors.js';
import type { MetricAlarm, MetricDataQuery, PutMetricAlarmInput } from '@aws-sdk/client-cloudwatch';

/**
 * The contract between a stream's two alarms and the autoscaler, kept compatible with the Python
 * original: alarm names contain `scale-up` / `scale-down` (the sibling is found by swapping), a
 * constant query with id `shardCount` holds the shard count the usage math divides by, and the
 * stream is named by the `StreamName` dimension of the AWS/Kinesis IncomingBytes/IncomingRecords
 * queries.
 */

export type Direction = 'up' | 'down';

export const SHARD_COUNT_QUERY_ID = 'shardCount';
const MARKERS: Record<Direction, string> = { up: 'scale-up', down: 'scale-down' };
const KINESIS_LOAD_METRICS = new Set(['IncomingBytes', 'IncomingRecords']);

export class ContractError extends InputError {
  override name = 'ContractError';
}

export function directionOfAlarm(alarmName: string): Direction | undefined {
  const up = alarmName.lastIndexOf(MARKERS.up);
  const down = alarmName.lastIndexOf(MARKERS.down);
  if (up < 0 && down < 0) return undefined;
  return up > down ? 'up' : 'down';
}

/** The other alarm of the pair: the last `scale-up` swapped for `scale-down`, or the reverse. */
export function siblingAlarmName(alarmName: string): string {
  const direction = directionOfAlarm(alarmName);
  if (!direction) {
    throw new ContractError(
      `alarm ${JSON.stringify(alarmName)} does not follow the naming contract: its name must contain "scale-up" or "scale-down"`,
    );
  }
  const from = MARKERS[direction];
  const to = MARKERS[direction === 'up' ? 'down' : 'up'];
  const at = alarmName.lastIndexOf(from);
  return alarmName.slice(0, at) + to + alarmName.slice(at + from.length);
}

export interface AlarmContract {
  alarmName: string;
  direction: Direction;
  streamName: string;
  /** The shard count the alarm's usage math currently divides by. */
  shardCount: number;
}

export function readAlarmContract(alarm: MetricAlarm): AlarmContract {
  const name = alarm.AlarmName ?? '(unnamed)';
  const direction = directionOfAlarm(name);
  if (!direction) {
    throw new ContractError(
      `alarm ${JSON.stringify(name)}: name contains neither "scale-up" nor "scale-down"`,
    );
  }
  const queries = alarm.Metrics ?? [];
  if (queries.length === 0) {
    throw new ContractError(
      `alarm ${JSON.stringify(name)} is not a metric-math alarm (it has no Metrics)`,
    );
  }
  const constant = queries.find((q) => q.Id === SHARD_COUNT_QUERY_ID);
  if (!constant) {
    throw new ContractError(
      `alarm ${JSON.stringify(name)} has no query with id "${SHARD_COUNT_QUERY_ID}"`,
    );
  }
  const expr = constant.Expression?.trim() ?? '';
  if (!/^\d+$/.test(expr) || Number(expr) < 1) {
    throw new ContractError(
      `alarm ${JSON.stringify(name)}: query "${SHARD_COUNT_QUERY_ID}" must be a positive whole number, found ${JSON.stringify(constant.Expression ?? null)}`,
    );
  }
  const streamNames = new Set<string>();
  for (const q of queries) {
    const metric = q.MetricStat?.Metric;
    if (metric?.Namespace !== 'AWS/Kinesis' || !KINESIS_LOAD_METRICS.has(metric.MetricName ?? ''))
      continue;
    const dim = metric.Dimensions?.find((d) => d.Name === 'StreamName');
    if (dim?.Value) streamNames.add(dim.Value);
  }
  if (streamNames.size === 0) {
    throw new ContractError(
      `alarm ${JSON.stringify(name)} has no AWS/Kinesis IncomingBytes or IncomingRecords query with a StreamName dimension`,
    );
  }
  if (streamNames.size > 1) {
    throw new ContractError(
      `alarm ${JSON.stringify(name)} names more than one stream (${[...streamNames].join(', ')})`,
    );
  }
  return {
    alarmName: name,
    direction,
    streamName: [...streamNames][0]!,
    shardCount: Number(expr),
  };
}

/**
 * The PutMetricAlarm request that recreates `alarm` exactly, except for the shard count (and,
 * optionally, whether its actions are enabled). Every field PutMetricAlarm accepts is copied from
 * DescribeAlarms, so settings a user added by hand survive the rewrite.
 */
export function rewriteAlarm(
  alarm: MetricAlarm,
  shardCount: number,
  actionsEnabled: boolean | undefined = alarm.ActionsEnabled,
): PutMetricAlarmInput {
  if (!alarm.AlarmName) throw new ContractError('cannot rewrite an alarm without a name');
  const metrics: MetricDataQuery[] | undefined = alarm.Metrics?.map((q) =>
    q.Id === SHARD_COUNT_QUERY_ID ? { ...q, Expression: String(shardCount) } : q,
  );
  const input: PutMetricAlarmInput = {
    AlarmName: alarm.AlarmName,
    AlarmDescription: alarm.AlarmDescription,
    ActionsEnabled: actionsEnabled,
    OKActions: alarm.OKActions,
    AlarmActions: alarm.AlarmActions,
    InsufficientDataActions: alarm.InsufficientDataActions,
    MetricName: alarm.MetricName,
    Namespace: alarm.Namespace,
    Statistic: alarm.Statistic,
    ExtendedStatistic: alarm.ExtendedStatistic,
    Dimensions: alarm.Dimensions,
    Period: alarm.Period,
    Unit: alarm.Unit,
    EvaluationPeriods: alarm.EvaluationPeriods,
    DatapointsToAlarm: alarm.DatapointsToAlarm,
    Threshold: alarm.Threshold,
    ComparisonOperator: alarm.ComparisonOperator,
    TreatMissingData: alarm.TreatMissingData,
    EvaluateLowSampleCountPercentile: alarm.EvaluateLowSampleCountPercentile,
    Metrics: metrics,
    ThresholdMetricId: alarm.ThresholdMetricId,
  };
  for (const key of Object.keys(input) as (keyof PutMetricAlarmInput)[]) {
    if (input[key] === undefined) delete input[key];
  }
  return input;
}

export interface AlarmSettings {
  threshold: number;
  /** Seconds per datapoint: 60 or a multiple of it. */
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  /**
   * Also breach when more than this share of a period's records were refused by throttling
   * (`WriteProvisionedThroughputExceeded`), whatever the average usage; absent: usage only.
   */
  throttledShare?: number;
}

/**
 * One minute at 75% is enough to scale up: in the simulations (`bench/simulate.ts --tune`) waiting
 * for a second minute lost a third to a half more records on bursty traffic. So is a minute with
 * more than 0.1% of its records throttled: hot shards and bursty seconds throttle a stream at half
 * its average capacity, which the usage never shows.
 */
export const DEFAULT_SCALE_UP_ALARM: AlarmSettings = {
  threshold: 0.75,
  periodSeconds: 60,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  throttledShare: 0.001,
};

export const DEFAULT_SCALE_DOWN_ALARM: AlarmSettings = {
  threshold: 0.25,
  periodSeconds: 300,
  evaluationPeriods: 12,
  datapointsToAlarm: 12,
};

export interface AlarmPairInput {
  streamName: string;
  shardCount: number;
  scaleUpTopicArn: string;
  scaleDownTopicArn: string;
  /** Alarm names are `<prefix><stream>-scale-up` / `-scale-down`. */
  namePrefix?: string;
  scaleUp?: Partial<AlarmSettings>;
  scaleDown?: Partial<AlarmSettings>;
  /** False when the stream is at its minimum, so the scale-down alarm stays quiet. */
  scaleDownActionsEnabled?: boolean;
}

export const DEFAULT_ALARM_PREFIX = 'kinesis-autoscaler-';

export function alarmNames(
  streamName: string,
  prefix = DEFAULT_ALARM_PREFIX,
): Record<Direction, string> {
  return { up: `${prefix}${streamName}-scale-up`, down: `${prefix}${streamName}-scale-down` };
}

/**
 * The usage math both alarms share: the larger of the byte and record utilisation of the stream's
 * write capacity over one period, with missing minutes counted as zero. With `throttledShare`, a
 * period in which more than that share of the records offered (accepted plus throttled) was
 * throttled reads as full (1).
 */
export function usageQueries(
  streamName: string,
  shardCount: number,
  periodSeconds: number,
  throttledShare?: number,
): MetricDataQuery[] {
  const stat = (id: string, metricName: string): MetricDataQuery => ({
    Id: id,
    Label: metricName,
    ReturnData: false,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Kinesis',
        MetricName: metricName,
        Dimensions: [{ Name: 'StreamName', Value: streamName }],
      },
      Period: periodSeconds,
      Stat: 'Sum',
    },
  });
  const throttled: MetricDataQuery[] =
    throttledShare === undefined
      ? []
      : [
          stat('m3', 'WriteProvisionedThroughputExceeded'),
          {
            Id: 'e5',
            Expression: 'FILL(m3,0)',
            Label: 'ThrottledRecordsFilled',
            ReturnData: false,
          },
          {
            Id: 'e6',
            Expression: `IF(e5 > ${throttledShare}*(e2+e5), 1, 0)`,
            Label: 'ThrottledAboveShare',
            ReturnData: false,
          },
        ];
  return [
    stat('m1', 'IncomingBytes'),
    stat('m2', 'IncomingRecords'),
    {
      Id: SHARD_COUNT_QUERY_ID,
      Expression: String(shardCount),
      Label: 'Open shard count',
      ReturnData: false,
    },
    { Id: 'e1', Expression: 'FILL(m1,0)', Label: 'IncomingBytesFilled', ReturnData: false },
    { Id: 'e2', Expression: 'FILL(m2,0)', Label: 'IncomingRecordsFilled', ReturnData: false },
    {
      Id: 'e3',
      Expression: `e1/(1048576*${periodSeconds}*${SHARD_COUNT_QUERY_ID})`,
      Label: 'IncomingBytesUsage',
      ReturnData: false,
    },
    {
      Id: 'e4',
      Expression: `e2/(1000*${periodSeconds}*${SHARD_COUNT_QUERY_ID})`,
      Label: 'IncomingRecordsUsage',
      ReturnData: false,
    },
    ...throttled,
    {
      Id: 'usage',
      Expression: throttled.length > 0 ? 'MAX([e3,e4,e6])' : 'MAX([e3,e4])',
      Label: 'WriteCapacityUsage',
      ReturnData: true,
    },
  ];
}

/** The two alarms that subscribe a stream to the autoscaler. */
export function buildAlarmPair(input: AlarmPairInput): Record<Direction, PutMetricAlarmInput> {
  const names = alarmNames(input.streamName, input.namePrefix);
  const up = { ...DEFAULT_SCALE_UP_ALARM, ...input.scaleUp };
  const down = { ...DEFAULT_SCALE_DOWN_ALARM, ...input.scaleDown };
  return {
    up: {
      AlarmName: names.up,
      AlarmDescription:
        `Scale up Kinesis stream ${input.streamName} when write usage reaches ${up.threshold}` +
        (up.throttledShare === undefined
          ? ''
          : ` or more than ${up.throttledShare * 100}% of records are throttled`),
      ActionsEnabled: true,
      AlarmActions: [input.scaleUpTopicArn],
      EvaluationPeriods: up.evaluationPeriods,
      DatapointsToAlarm: up.datapointsToAlarm,
      Threshold: up.threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      Metrics: usageQueries(
        input.streamName,
        input.shardCount,
        up.periodSeconds,
        up.throttledShare,
      ),
    },
    down: {
      AlarmName: names.down,
      AlarmDescription: `Scale down Kinesis stream ${input.streamName} when write usage stays below ${down.threshold}`,
      ActionsEnabled: input.scaleDownActionsEnabled ?? true,
      AlarmActions: [input.scaleDownTopicArn],
      EvaluationPeriods: down.evaluationPeriods,
      DatapointsToAlarm: down.datapointsToAlarm,
      Threshold: down.threshold,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      Metrics: usageQueries(input.streamName, input.shardCount, down.periodSeconds),
    },
  };
}
