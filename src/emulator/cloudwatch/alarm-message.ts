/**
 * The SNS notification CloudWatch sends when an alarm changes state, in AWS's exact shape: Lambdas
 * that parse it (the autoscaler reads the stream name from Trigger.Metrics) must work unchanged
 * against real AWS. Kept pure so the format can be tested on its own.
 */
import type { MetricDataQuery, StateValue } from './schemas.js';

const REGION_NAMES: Record<string, string> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'af-south-1': 'Africa (Cape Town)',
  'ap-east-1': 'Asia Pacific (Hong Kong)',
  'ap-south-1': 'Asia Pacific (Mumbai)',
  'ap-south-2': 'Asia Pacific (Hyderabad)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'ap-southeast-3': 'Asia Pacific (Jakarta)',
  'ap-southeast-4': 'Asia Pacific (Melbourne)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-northeast-2': 'Asia Pacific (Seoul)',
  'ap-northeast-3': 'Asia Pacific (Osaka)',
  'ca-central-1': 'Canada (Central)',
  'ca-west-1': 'Canada West (Calgary)',
  'eu-central-1': 'EU (Frankfurt)',
  'eu-central-2': 'EU (Zurich)',
  'eu-west-1': 'EU (Ireland)',
  'eu-west-2': 'EU (London)',
  'eu-west-3': 'EU (Paris)',
  'eu-north-1': 'EU (Stockholm)',
  'eu-south-1': 'EU (Milan)',
  'eu-south-2': 'EU (Spain)',
  'il-central-1': 'Israel (Tel Aviv)',
  'me-south-1': 'Middle East (Bahrain)',
  'me-central-1': 'Middle East (UAE)',
  'sa-east-1': 'South America (Sao Paulo)',
};

/** AWS's display name of a region; unknown codes are shown as they are. */
export function regionLongName(region: string): string {
  return REGION_NAMES[region] ?? region;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2020-04-23T21:17:44.775+0000`, the timestamp style of alarm notifications and history. */
export function formatAlarmTimestamp(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
    `.${pad(d.getUTCMilliseconds(), 3)}+0000`
  );
}

/** `23/04/20 21:16:00`, the datapoint time inside a state reason. */
export function formatReasonTimestamp(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCFullYear() % 100)}` +
    ` ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/**
 * Numbers as CloudWatch (a Java service) prints doubles in reasons: `5.0`, `0.4`, `1.0E7`.
 */
export function formatJavaDouble(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e7 || abs < 1e-3)) {
    const [mantissa, exponent] = n.toExponential().split('e') as [string, string];
    const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
    return `${m}E${Number(exponent)}`;
  }
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

/** What the notification needs to know about the alarm (a snapshot of its configuration). */
export interface AlarmSnapshot {
  AlarmName: string;
  AlarmArn: string;
  AlarmDescription?: string | undefined;
  AlarmConfigurationUpdatedTimestamp: number;
  OKActions: string[];
  AlarmActions: string[];
  InsufficientDataActions: string[];
  MetricName?: string | undefined;
  Namespace?: string | undefined;
  Statistic?: string | undefined;
  ExtendedStatistic?: string | undefined;
  Dimensions?: { Name: string; Value: string }[] | undefined;
  Unit?: string | undefined;
  Period?: number | undefined;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number | undefined;
  ComparisonOperator: string;
  Threshold?: number | undefined;
  TreatMissingData?: string | undefined;
  EvaluateLowSampleCountPercentile?: string | undefined;
  Metrics?: MetricDataQuery[] | undefined;
  ThresholdMetricId?: string | undefined;
}

export interface StateChange {
  oldState: StateValue;
  newState: StateValue;
  reason: string;
  /** Epoch ms. */
  time: number;
}

export interface AlarmNotification {
  subject: string;
  message: string;
}

const lowerDimensions = (dims: { Name: string; Value: string }[] | undefined) =>
  (dims ?? []).map((d) => ({ value: d.Value, name: d.Name }));

function triggerMetric(q: MetricDataQuery): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (q.Expression !== undefined) out.Expression = q.Expression;
  out.Id = q.Id;
  if (q.Label !== undefined) out.Label = q.Label;
  if (q.MetricStat) {
    const m = q.MetricStat.Metric;
    const metric: Record<string, unknown> = { Dimensions: lowerDimensions(m.Dimensions) };
    metric.MetricName = m.MetricName;
    metric.Namespace = m.Namespace;
    const stat: Record<string, unknown> = { Metric: metric, Period: q.MetricStat.Period };
    stat.Stat = q.MetricStat.Stat;
    if (q.MetricStat.Unit !== undefined) stat.Unit = q.MetricStat.Unit;
    out.MetricStat = stat;
  }
  if (q.Period !== undefined && q.MetricStat === undefined) out.Period = q.Period;
  out.ReturnData = q.ReturnData ?? true;
  return out;
}

/** Builds the SNS subject and message for a state change of `alarm`. */
export function buildAlarmNotification(
  alarm: AlarmSnapshot,
  change: StateChange,
  ctx: { region: string; accountId: string },
): AlarmNotification {
  const regionName = regionLongName(ctx.region);
  const evaluationFields = {
    Period: alarm.Period ?? 0,
    EvaluationPeriods: alarm.EvaluationPeriods,
    DatapointsToAlarm: alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods,
    ComparisonOperator: alarm.ComparisonOperator,
    ...(alarm.ThresholdMetricId !== undefined
      ? { ThresholdMetricId: alarm.ThresholdMetricId }
      : { Threshold: alarm.Threshold ?? 0 }),
    TreatMissingData: alarm.TreatMissingData ?? 'missing',
    EvaluateLowSampleCountPercentile: alarm.EvaluateLowSampleCountPercentile ?? '',
  };
  const trigger = alarm.Metrics
    ? { ...evaluationFields, Metrics: alarm.Metrics.map(triggerMetric) }
    : {
        MetricName: alarm.MetricName,
        Namespace: alarm.Namespace,
        StatisticType: alarm.ExtendedStatistic !== undefined ? 'ExtendedStatistic' : 'Statistic',
        Statistic: (alarm.ExtendedStatistic ?? alarm.Statistic ?? '').toUpperCase(),
        Unit: alarm.Unit ?? null,
        Dimensions: lowerDimensions(alarm.Dimensions),
        ...evaluationFields,
      };
  const message = {
    AlarmName: alarm.AlarmName,
    AlarmDescription: alarm.AlarmDescription ?? null,
    AWSAccountId: ctx.accountId,
    AlarmConfigurationUpdatedTimestamp: formatAlarmTimestamp(
      alarm.AlarmConfigurationUpdatedTimestamp,
    ),
    NewStateValue: change.newState,
    NewStateReason: change.reason,
    StateChangeTime: formatAlarmTimestamp(change.time),
    Region: regionName,
    AlarmArn: alarm.AlarmArn,
    OldStateValue: change.oldState,
    OKActions: alarm.OKActions,
    AlarmActions: alarm.AlarmActions,
    InsufficientDataActions: alarm.InsufficientDataActions,
    Trigger: trigger,
  };
  // SNS refuses subjects over 100 characters, so a long alarm name is cut rather than lost.
  const subject = `${change.newState}: "${alarm.AlarmName}" in ${regionName}`.slice(0, 100);
  return { subject, message: JSON.stringify(message) };
}
