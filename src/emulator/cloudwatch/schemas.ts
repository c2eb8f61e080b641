/**
 * Request shapes shared by the JSON and Query adapters. Both wire formats are normalised here, so
 * the coercions accept either form: Query sends every scalar as a string and an empty list as `''`,
 * awsJson sends numbers, booleans and epoch-second timestamps. Timestamps come out as epoch ms.
 */
import { z } from 'zod';
import { AwsError } from '../protocol/errors.js';
import { valueAt } from '../protocol/validation.js';

const num = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v),
  z.number().refine((n) => !Number.isNaN(n), 'Member must be a number'),
);
const int = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v),
  z.number().int(),
);
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

/** awsJson sends epoch seconds; Query sends ISO-8601 (or, from some tools, epoch seconds). */
const timestamp = z.preprocess((v) => {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v * 1000;
  if (typeof v === 'string') {
    if (/^\d+(\.\d+)?$/.test(v.trim())) return Number(v) * 1000;
    return Date.parse(v);
  }
  return v;
}, z.number().finite());

const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v === '' ? [] : v), z.array(item));

export const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;
export type Statistic = (typeof STATISTICS)[number];

export const UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
] as const;

export const COMPARISON_OPERATORS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

export const STATE_VALUES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type StateValue = (typeof STATE_VALUES)[number];

const unit = z.enum(UNITS);

export const dimensionSchema = z.object({
  Name: z.string().min(1).max(255),
  Value: z.string().min(1).max(1024),
});
export type ApiDimension = z.infer<typeof dimensionSchema>;

const metricSchema = z.object({
  Namespace: z.string().min(1).max(255).optional(),
  MetricName: z.string().min(1).max(255).optional(),
  Dimensions: list(dimensionSchema).optional(),
});

export const metricStatSchema = z.object({
  Metric: metricSchema,
  Period: int,
  Stat: z.string().min(1),
  Unit: unit.optional(),
});
export type MetricStat = z.infer<typeof metricStatSchema>;

export const metricDataQuerySchema = z.object({
  Id: z.string().min(1).max(255),
  MetricStat: metricStatSchema.optional(),
  Expression: z.string().min(1).max(2048).optional(),
  Label: z.string().optional(),
  ReturnData: bool.optional(),
  Period: int.optional(),
  AccountId: z.string().optional(),
});
export type MetricDataQuery = z.infer<typeof metricDataQuerySchema>;

const tagSchema = z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256) });
export type Tag = z.infer<typeof tagSchema>;

const statisticSet = z.object({ SampleCount: num, Sum: num, Minimum: num, Maximum: num });

export const putMetricDataSchema = z.object({
  Namespace: z.string().min(1).max(255),
  MetricData: list(
    z.object({
      MetricName: z.string().min(1).max(255),
      Dimensions: list(dimensionSchema).optional(),
      Timestamp: timestamp.optional(),
      Value: num.optional(),
      StatisticValues: statisticSet.optional(),
      Values: list(num).optional(),
      Counts: list(num).optional(),
      Unit: unit.optional(),
      StorageResolution: int.optional(),
    }),
  ),
});
export type PutMetricDataInput = z.infer<typeof putMetricDataSchema>;

export const getMetricStatisticsSchema = z.object({
  Namespace: z.string().min(1).max(255),
  MetricName: z.string().min(1).max(255),
  Dimensions: list(dimensionSchema).optional(),
  StartTime: timestamp,
  EndTime: timestamp,
  Period: int,
  Statistics: list(z.enum(STATISTICS)).optional(),
  ExtendedStatistics: list(z.string()).optional(),
  Unit: unit.optional(),
});
export type GetMetricStatisticsInput = z.infer<typeof getMetricStatisticsSchema>;

export const getMetricDataSchema = z.object({
  MetricDataQueries: list(metricDataQuerySchema),
  StartTime: timestamp,
  EndTime: timestamp,
  NextToken: z.string().optional(),
  ScanBy: z.enum(['TimestampDescending', 'TimestampAscending']).optional(),
  MaxDatapoints: int.optional(),
  LabelOptions: z.object({ Timezone: z.string().optional() }).optional(),
});
export type GetMetricDataInput = z.infer<typeof getMetricDataSchema>;

export const listMetricsSchema = z.object({
  Namespace: z.string().min(1).max(255).optional(),
  MetricName: z.string().min(1).max(255).optional(),
  Dimensions: list(
    z.object({ Name: z.string().min(1).max(255), Value: z.string().min(1).optional() }),
  ).optional(),
  NextToken: z.string().optional(),
  RecentlyActive: z.enum(['PT3H']).optional(),
  IncludeLinkedAccounts: bool.optional(),
  OwningAccount: z.string().optional(),
});
export type ListMetricsInput = z.infer<typeof listMetricsSchema>;

/**
 * A union of two structures. `SlidingWindow` has no members, so the Query protocol sends it as an
 * empty value (`EvaluationWindow.SlidingWindow=`) or not at all.
 */
const evaluationWindowSchema = z.object({
  SlidingWindow: z
    .preprocess(
      (v) => (v === '' ? {} : v),
      z.object({}).transform(() => ({})),
    )
    .optional(),
  WallClockWindow: z
    .preprocess(
      (v) => (v === '' ? {} : v),
      z.object({ Timezone: z.string().min(1).max(50).optional() }),
    )
    .optional(),
});

const arnList = list(z.string().min(1).max(1024)).optional();

export const putMetricAlarmSchema = z.object({
  AlarmName: z.string().min(1).max(255),
  AlarmDescription: z.string().max(1024).optional(),
  ActionsEnabled: bool.optional(),
  OKActions: arnList,
  AlarmActions: arnList,
  InsufficientDataActions: arnList,
  MetricName: z.string().min(1).max(255).optional(),
  Namespace: z.string().min(1).max(255).optional(),
  Statistic: z.enum(STATISTICS).optional(),
  ExtendedStatistic: z.string().optional(),
  Dimensions: list(dimensionSchema).optional(),
  Period: int.optional(),
  Unit: unit.optional(),
  EvaluationPeriods: int,
  DatapointsToAlarm: int.optional(),
  Threshold: num.optional(),
  ComparisonOperator: z.enum(COMPARISON_OPERATORS),
  TreatMissingData: z.string().min(1).max(255).optional(),
  EvaluateLowSampleCountPercentile: z.string().min(1).max(255).optional(),
  Metrics: list(metricDataQuerySchema).optional(),
  Tags: list(tagSchema).optional(),
  ThresholdMetricId: z.string().min(1).max(255).optional(),
  EvaluationWindow: evaluationWindowSchema.optional(),
});
export type PutMetricAlarmInput = z.infer<typeof putMetricAlarmSchema>;

export const describeAlarmsSchema = z.object({
  AlarmNames: list(z.string().min(1).max(255)).optional(),
  AlarmNamePrefix: z.string().min(1).max(255).optional(),
  AlarmTypes: list(z.enum(['CompositeAlarm', 'MetricAlarm'])).optional(),
  ChildrenOfAlarmName: z.string().optional(),
  ParentsOfAlarmName: z.string().optional(),
  StateValue: z.enum(STATE_VALUES).optional(),
  ActionPrefix: z.string().min(1).max(1024).optional(),
  MaxRecords: int.optional(),
  NextToken: z.string().optional(),
});
export type DescribeAlarmsInput = z.infer<typeof describeAlarmsSchema>;

export const describeAlarmsForMetricSchema = z.object({
  MetricName: z.string().min(1).max(255),
  Namespace: z.string().min(1).max(255),
  Statistic: z.enum(STATISTICS).optional(),
  ExtendedStatistic: z.string().optional(),
  Dimensions: list(dimensionSchema).optional(),
  Period: int.optional(),
  Unit: unit.optional(),
});
export type DescribeAlarmsForMetricInput = z.infer<typeof describeAlarmsForMetricSchema>;

export const alarmNamesSchema = z.object({ AlarmNames: list(z.string().min(1).max(255)) });

export const setAlarmStateSchema = z.object({
  AlarmName: z.string().min(1).max(255),
  StateValue: z.enum(STATE_VALUES),
  StateReason: z.string().max(1023),
  StateReasonData: z.string().max(4000).optional(),
});
export type SetAlarmStateInput = z.infer<typeof setAlarmStateSchema>;

export const describeAlarmHistorySchema = z.object({
  AlarmName: z.string().min(1).max(255).optional(),
  AlarmContributorId: z.string().optional(),
  AlarmTypes: list(z.enum(['CompositeAlarm', 'MetricAlarm'])).optional(),
  HistoryItemType: z
    .enum(['ConfigurationUpdate', 'StateUpdate', 'Action', 'AlarmContributorStateUpdate'])
    .optional(),
  StartDate: timestamp.optional(),
  EndDate: timestamp.optional(),
  MaxRecords: int.optional(),
  NextToken: z.string().optional(),
  ScanBy: z.enum(['TimestampDescending', 'TimestampAscending']).optional(),
});
export type DescribeAlarmHistoryInput = z.infer<typeof describeAlarmHistorySchema>;

export const tagResourceSchema = z.object({
  ResourceARN: z.string().min(1).max(1024),
  Tags: list(tagSchema),
});
export const untagResourceSchema = z.object({
  ResourceARN: z.string().min(1).max(1024),
  TagKeys: list(z.string().min(1).max(128)),
});
export const listTagsSchema = z.object({ ResourceARN: z.string().min(1).max(1024) });

/**
 * Validates a request and fails as AWS's request validation does: `ValidationError` with
 * "1 validation error detected: Value ... at '...' failed to satisfy constraint: ...".
 */
export function parseRequest<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues;
  const parts = issues.slice(0, 5).map((issue) => {
    const value = valueAt(input, issue.path);
    const path = issue.path
      .map((p, i) =>
        typeof p === 'number' ? `${p + 1}.member` : i === 0 ? lowerFirst(String(p)) : String(p),
      )
      .join('.');
    if (value === undefined || value === null) {
      return `Value null at '${path}' failed to satisfy constraint: Member must not be null`;
    }
    const shown = typeof value === 'object' ? JSON.stringify(value) : String(value);
    return `Value '${shown}' at '${path}' failed to satisfy constraint: ${constraintText(issue)}`;
  });
  const n = issues.length;
  throw new AwsError(
    'ValidationError',
    `${n} validation error${n === 1 ? '' : 's'} detected: ${parts.join('; ')}`,
  );
}

function constraintText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `Member must satisfy enum value set: [${issue.values.map(String).join(', ')}]`;
    case 'too_small':
      return issue.origin === 'string'
        ? `Member must have length greater than or equal to ${String(issue.minimum)}`
        : `Member must have value greater than or equal to ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `Member must have length less than or equal to ${String(issue.maximum)}`
        : `Member must have value less than or equal to ${String(issue.maximum)}`;
    default:
      return `Member is invalid (${issue.message})`;
  }
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
