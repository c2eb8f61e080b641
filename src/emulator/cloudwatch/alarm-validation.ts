/**
 * PutMetricAlarm's rules beyond the request shape: one place that says whether an alarm is valid,
 * with CloudWatch's error codes, and derives what evaluation needs from it.
 */
import { TREAT_MISSING } from './alarm-record.js';
import { checkAlarmPeriod, checkDimensions, checkQuery, err, toDims } from './checks.js';
import { evaluationWindowRule, type WindowRule } from './evaluation-window.js';
import { MetricMath } from './math.js';
import { checkStatistic } from './metric-store.js';
import type { PutMetricAlarmInput } from './schemas.js';

export interface ValidAlarm {
  /** The period of the alarmed series (the ReturnData query's for math alarms), in seconds. */
  effectivePeriod: number;
  math: MetricMath | undefined;
  window: WindowRule;
}

const SINGLE_METRIC_FIELDS = [
  'MetricName',
  'Namespace',
  'Statistic',
  'ExtendedStatistic',
  'Dimensions',
  'Period',
  'Unit',
] as const;

export function validateAlarm(input: PutMetricAlarmInput): ValidAlarm {
  for (const key of ['OKActions', 'AlarmActions', 'InsufficientDataActions'] as const) {
    const arns = input[key] ?? [];
    if (arns.length > 5) {
      throw err('ValidationError', `The collection ${key} must not have a size greater than 5.`);
    }
    for (const arn of arns) {
      if (!/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d*:.+/.test(arn)) {
        throw err('ValidationError', `Invalid arn syntax: ${arn}`);
      }
    }
  }
  if (
    input.TreatMissingData !== undefined &&
    !(TREAT_MISSING as readonly string[]).includes(input.TreatMissingData)
  ) {
    throw err(
      'ValidationError',
      `Option ${input.TreatMissingData} is not supported for TreatMissingData. Supported options for TreatMissingData are missing, ignore, breaching and notBreaching.`,
    );
  }
  if (
    input.EvaluateLowSampleCountPercentile !== undefined &&
    !['evaluate', 'ignore'].includes(input.EvaluateLowSampleCountPercentile)
  ) {
    throw err(
      'ValidationError',
      `Option ${input.EvaluateLowSampleCountPercentile} is not supported for EvaluateLowSampleCountPercentile. Supported options are evaluate and ignore.`,
    );
  }
  if (
    input.ThresholdMetricId !== undefined ||
    input.ComparisonOperator.includes('Upper') ||
    input.ComparisonOperator.includes('Lower')
  ) {
    throw err(
      'ValidationError',
      'Anomaly detection alarms (ThresholdMetricId and the band comparison operators) are not supported by the embedded emulator.',
    );
  }
  if (input.Threshold === undefined) {
    throw err('MissingParameter', 'The parameter Threshold is required.');
  }
  if (input.EvaluationPeriods < 1) {
    throw err('ValidationError', 'EvaluationPeriods must be greater than or equal to 1.');
  }

  const { effectivePeriod, math } =
    input.Metrics !== undefined ? validateMathAlarm(input) : validateSingleMetricAlarm(input);

  if (effectivePeriod < 3600 && effectivePeriod * input.EvaluationPeriods > 86_400) {
    throw err(
      'ValidationError',
      'Metrics cannot be checked across more than a day (EvaluationPeriods * Period must be <= 86400).',
    );
  }
  if (effectivePeriod * input.EvaluationPeriods > 7 * 86_400) {
    throw err(
      'ValidationError',
      'Metrics cannot be checked across more than a week (EvaluationPeriods * Period must be <= 604800).',
    );
  }
  if (
    input.DatapointsToAlarm !== undefined &&
    (input.DatapointsToAlarm < 1 || input.DatapointsToAlarm > input.EvaluationPeriods)
  ) {
    throw err(
      'ValidationError',
      'DatapointsToAlarm must be greater than or equal to 1 and less than or equal to EvaluationPeriods.',
    );
  }
  if ((input.Tags ?? []).length > 50) {
    throw err('ValidationError', 'The collection Tags must not have a size greater than 50.');
  }
  const window = evaluationWindowRule(input.EvaluationWindow, effectivePeriod);
  return { effectivePeriod, math, window };
}

function validateMathAlarm(input: PutMetricAlarmInput): {
  effectivePeriod: number;
  math: MetricMath;
} {
  const metrics = input.Metrics!;
  const clash = SINGLE_METRIC_FIELDS.filter((k) => input[k] !== undefined);
  if (clash.length > 0) {
    throw err(
      'InvalidParameterCombination',
      `The parameters ${clash.join(', ')} cannot be specified together with Metrics.`,
    );
  }
  if (metrics.length === 0) {
    throw err('ValidationError', 'The collection Metrics must not be empty.');
  }
  metrics.forEach((q, i) => checkQuery(q, `Metrics.member.${i + 1}`, true));
  const math = new MetricMath(metrics, 'Metrics');
  const returning = metrics.filter((q) => q.ReturnData !== false);
  if (returning.length !== 1) {
    throw err('ValidationError', 'Exactly one element of the metrics list should return data.');
  }
  return { effectivePeriod: math.periodOf(returning[0]!.Id), math };
}

function validateSingleMetricAlarm(input: PutMetricAlarmInput): {
  effectivePeriod: number;
  math: undefined;
} {
  if (input.MetricName === undefined) {
    throw err('ValidationError', 'Either MetricName or Metrics must be specified.');
  }
  if (input.Namespace === undefined) {
    throw err('MissingParameter', 'The parameter Namespace is required.');
  }
  if (input.Statistic !== undefined && input.ExtendedStatistic !== undefined) {
    throw err(
      'InvalidParameterCombination',
      'The parameters Statistic and ExtendedStatistic are mutually exclusive and you have specified both.',
    );
  }
  if (input.Statistic === undefined && input.ExtendedStatistic === undefined) {
    throw err(
      'MissingParameter',
      'The parameter Statistic or ExtendedStatistic must be specified.',
    );
  }
  if (input.ExtendedStatistic !== undefined) {
    checkStatistic(input.ExtendedStatistic, 'ExtendedStatistic');
  }
  if (input.Period === undefined) {
    throw err('MissingParameter', 'The parameter Period is required.');
  }
  checkAlarmPeriod(input.Period, 'Period');
  checkDimensions(toDims(input.Dimensions ?? []), 'Dimensions');
  return { effectivePeriod: input.Period, math: undefined };
}
