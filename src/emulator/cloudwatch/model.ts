/**
 * CloudWatch for one region: metric storage and statistics, metric math, metric alarms with
 * evaluation on the emulator clock, alarm history and tags. No HTTP here; the protocol adapters
 * turn requests into calls of these methods.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { MetricDatum, MetricSink, NotificationPublisher } from '../contracts.js';
import { AwsError } from '../protocol/errors.js';
import {
  buildAlarmNotification,
  formatAlarmTimestamp,
  formatJavaDouble,
  formatReasonTimestamp,
  type AlarmSnapshot,
} from './alarm-message.js';
import { MetricMath } from './math.js';
import { checkStatistic, MetricStore, statValue, type StoredMetric } from './metric-store.js';
import type {
  ApiDimension,
  ComparisonOperator,
  DescribeAlarmHistoryInput,
  DescribeAlarmsForMetricInput,
  DescribeAlarmsInput,
  GetMetricDataInput,
  GetMetricStatisticsInput,
  ListMetricsInput,
  MetricDataQuery,
  MetricStat,
  PutMetricAlarmInput,
  PutMetricDataInput,
  SetAlarmStateInput,
  StateValue,
  Tag,
} from './schemas.js';

export interface CloudWatchModelOptions {
  clock: Clock;
  region: string;
  accountId: string;
  publisher: NotificationPublisher;
  /**
   * How far behind `now` the newest evaluated period ends: metrics reach CloudWatch late, so
   * judging the period that just closed would see it half empty. Default one minute.
   */
  evaluationDelayMs?: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const MAX_ALARMS = 5000;
const HISTORY_RETENTION_MS = 30 * DAY;
const TREAT_MISSING = ['missing', 'ignore', 'breaching', 'notBreaching'] as const;
type TreatMissing = (typeof TREAT_MISSING)[number];

// CloudWatch's model gives ResourceNotFound HTTP 404 (its awsQueryError code); the rest are 400.
const err = (code: string, message: string) =>
  new AwsError(code, message, code === 'ResourceNotFound' ? 404 : 400);

interface AlarmRecord {
  AlarmName: string;
  AlarmArn: string;
  AlarmDescription?: string | undefined;
  AlarmConfigurationUpdatedTimestamp: number;
  ActionsEnabled: boolean;
  OKActions: string[];
  AlarmActions: string[];
  InsufficientDataActions: string[];
  StateValue: StateValue;
  StateReason: string;
  StateReasonData?: string | undefined;
  StateUpdatedTimestamp: number;
  StateTransitionedTimestamp: number;
  MetricName?: string | undefined;
  Namespace?: string | undefined;
  Statistic?: string | undefined;
  ExtendedStatistic?: string | undefined;
  Dimensions?: ApiDimension[] | undefined;
  Period?: number | undefined;
  Unit?: string | undefined;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number | undefined;
  Threshold?: number | undefined;
  ComparisonOperator: ComparisonOperator;
  TreatMissingData?: string | undefined;
  EvaluateLowSampleCountPercentile?: string | undefined;
  Metrics?: MetricDataQuery[] | undefined;
  ThresholdMetricId?: string | undefined;
  /** Derived: the period of the alarmed series (the ReturnData query's for math alarms). */
  effectivePeriod: number;
  math?: MetricMath | undefined;
  tags: Map<string, string>;
  /** The last verdict and what it was computed from; a new record (PutMetricAlarm) starts without. */
  cache?: { windowEnd: number; storeVersion: number; verdict: Verdict | undefined };
}

interface HistoryItem {
  AlarmName: string;
  AlarmType: 'MetricAlarm';
  Timestamp: number;
  HistoryItemType: 'ConfigurationUpdate' | 'StateUpdate' | 'Action';
  HistorySummary: string;
  HistoryData: string;
}

/** The decision of one evaluation. */
interface Verdict {
  state: StateValue;
  reason: string;
  reasonData: string;
}

export class CloudWatchModel implements MetricSink {
  readonly region: string;
  readonly accountId: string;
  private readonly clock: Clock;
  private readonly publisher: NotificationPublisher;
  private readonly evaluationDelayMs: number;
  private readonly store = new MetricStore();
  private readonly alarms = new Map<string, AlarmRecord>();
  private history: HistoryItem[] = [];
  private readonly timer: TimerHandle;

  constructor(opts: CloudWatchModelOptions) {
    this.clock = opts.clock;
    this.region = opts.region;
    this.accountId = opts.accountId;
    this.publisher = opts.publisher;
    this.evaluationDelayMs = opts.evaluationDelayMs ?? MINUTE;
    this.timer = this.clock.setInterval(() => this.evaluateAlarms(), MINUTE);
  }

  dispose(): void {
    this.clock.clearTimer(this.timer);
  }

  // ---------------------------------------------------------------- metrics

  /** For emulated services (Kinesis publishes `AWS/Kinesis`), so no namespace restriction. */
  putMetric(datum: MetricDatum): void {
    this.store.add(datum);
  }

  putMetricData(input: PutMetricDataInput): void {
    const ns = input.Namespace;
    if (ns.startsWith('AWS/') || ns.startsWith(':')) {
      throw err('InvalidParameterValue', `The value ${ns} for parameter Namespace is invalid.`);
    }
    if (input.MetricData.length === 0) {
      throw err('MissingParameter', 'The parameter MetricData is required.');
    }
    if (input.MetricData.length > 1000) {
      throw err(
        'InvalidParameterValue',
        'The collection MetricData must not have a size greater than 1000.',
      );
    }
    const now = this.clock.now();
    const data: MetricDatum[] = input.MetricData.map((d, i) => {
      const p = `MetricData.member.${i + 1}`;
      const dims = this.checkDimensions(toDims(d.Dimensions ?? []), `${p}.Dimensions`);
      const timestamp = d.Timestamp ?? now;
      if (timestamp < now - 14 * DAY || timestamp > now + 2 * 3_600_000) {
        throw err(
          'InvalidParameterValue',
          `The parameter ${p}.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future.`,
        );
      }
      if (
        d.StorageResolution !== undefined &&
        d.StorageResolution !== 1 &&
        d.StorageResolution !== 60
      ) {
        throw err(
          'InvalidParameterValue',
          `The value ${d.StorageResolution} for parameter ${p}.StorageResolution is invalid; it must be 1 or 60.`,
        );
      }
      const given = [
        d.Value !== undefined,
        d.StatisticValues !== undefined,
        d.Values !== undefined,
      ];
      if (given.filter(Boolean).length > 1) {
        throw err(
          'InvalidParameterCombination',
          `The parameters ${p}.Value, ${p}.StatisticValues and ${p}.Values are mutually exclusive and you have specified more than one.`,
        );
      }
      const checkValue = (v: number, name: string) => {
        if (!Number.isFinite(v) || Math.abs(v) > 2 ** 360) {
          throw err('InvalidParameterValue', `The value ${v} for parameter ${name} is invalid.`);
        }
      };
      const base = {
        namespace: ns,
        metricName: d.MetricName,
        dimensions: dims,
        timestamp,
        ...(d.Unit !== undefined ? { unit: d.Unit } : {}),
      };
      if (d.StatisticValues) {
        const s = d.StatisticValues;
        for (const k of ['SampleCount', 'Sum', 'Minimum', 'Maximum'] as const) {
          checkValue(s[k], `${p}.StatisticValues.${k}`);
        }
        if (s.SampleCount <= 0 || s.Minimum > s.Maximum) {
          throw err(
            'InvalidParameterValue',
            `The parameter ${p}.StatisticValues is invalid: SampleCount must be positive and Minimum must not exceed Maximum.`,
          );
        }
        return { ...base, sum: s.Sum, sampleCount: s.SampleCount, min: s.Minimum, max: s.Maximum };
      }
      if (d.Values !== undefined) {
        const values = d.Values;
        const counts = d.Counts ?? values.map(() => 1);
        if (values.length === 0 || values.length > 150) {
          throw err(
            'InvalidParameterValue',
            `The parameter ${p}.Values must contain between 1 and 150 values.`,
          );
        }
        if (counts.length !== values.length) {
          throw err(
            'InvalidParameterValue',
            `The parameters ${p}.Values and ${p}.Counts must be of the same size.`,
          );
        }
        values.forEach((v, j) => checkValue(v, `${p}.Values.member.${j + 1}`));
        let sum = 0;
        let n = 0;
        counts.forEach((c, j) => {
          if (!(c >= 0)) {
            throw err('InvalidParameterValue', `The value ${c} for ${p}.Counts is invalid.`);
          }
          sum += values[j]! * c;
          n += c;
        });
        return { ...base, sum, sampleCount: n, min: Math.min(...values), max: Math.max(...values) };
      }
      if (d.Value === undefined) {
        throw err(
          'InvalidParameterCombination',
          `At least one of the parameters ${p}.Value, ${p}.StatisticValues or ${p}.Values must be specified.`,
        );
      }
      checkValue(d.Value, `${p}.Value`);
      return { ...base, sum: d.Value, sampleCount: 1, min: d.Value, max: d.Value };
    });
    for (const datum of data) this.store.add(datum);
  }

  getMetricStatistics(input: GetMetricStatisticsInput): {
    Label: string;
    Datapoints: Record<string, unknown>[];
  } {
    if (input.StartTime >= input.EndTime) {
      throw err(
        'InvalidParameterValue',
        'The parameter StartTime must be less than the parameter EndTime.',
      );
    }
    checkQueryPeriod(input.Period, 'Period');
    const stats = input.Statistics ?? [];
    for (const e of input.ExtendedStatistics ?? []) checkStatistic(e, 'ExtendedStatistics');
    if (stats.length === 0) {
      throw err(
        'InvalidParameterCombination',
        'Must specify either Statistics or ExtendedStatistics, but not both.',
      );
    }
    const periodMs = input.Period * 1000;
    const count = Math.ceil((input.EndTime - input.StartTime) / periodMs);
    if (count > 1440) {
      throw err(
        'InvalidParameterCombination',
        `You have requested up to ${count} datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
      );
    }
    const metric = this.store.find(
      input.Namespace,
      input.MetricName,
      toDims(input.Dimensions ?? []),
    );
    const datapoints: Record<string, unknown>[] = [];
    if (metric) {
      const points = this.store.aggregate(
        metric,
        input.StartTime,
        input.EndTime,
        periodMs,
        input.Unit,
      );
      for (const t of [...points.keys()].sort((a, b) => a - b)) {
        const p = points.get(t)!;
        const dp: Record<string, unknown> = { Timestamp: new Date(t) };
        for (const s of stats) dp[s] = statValue(p.stats, s);
        dp.Unit = p.unit;
        datapoints.push(dp);
      }
    }
    return { Label: input.MetricName, Datapoints: datapoints };
  }

  getMetricData(input: GetMetricDataInput): {
    MetricDataResults: Record<string, unknown>[];
    NextToken?: string;
    Messages: unknown[];
  } {
    const queries = input.MetricDataQueries;
    if (queries.length === 0) {
      throw err('MissingParameter', 'The parameter MetricDataQueries is required.');
    }
    if (queries.length > 500) {
      throw err(
        'ValidationError',
        'The collection MetricDataQueries must not have a size greater than 500.',
      );
    }
    if (input.StartTime >= input.EndTime) {
      throw err(
        'ValidationError',
        'The parameter StartTime must be less than the parameter EndTime.',
      );
    }
    const max = input.MaxDatapoints ?? 100_800;
    if (max < 1) throw err('ValidationError', 'MaxDatapoints must be a positive number.');
    queries.forEach((q, i) => this.checkQuery(q, `MetricDataQueries.member.${i + 1}`, false));
    const math = new MetricMath(queries);
    const series = math.evaluator(input.StartTime, input.EndTime, this.fetcher());
    const descending = (input.ScanBy ?? 'TimestampDescending') === 'TimestampDescending';
    const results = queries
      .filter((q) => q.ReturnData !== false)
      .map((q) => {
        const s = series(q.Id);
        const order = s.timestamps.map((_, i) => i);
        if (descending) order.reverse();
        return {
          q,
          timestamps: order.map((i) => s.timestamps[i]!),
          values: order.map((i) => s.values[i]!),
        };
      });

    // Pages cut the concatenation of all results; the token is the offset into it, so a client
    // that repeats the request with the token gets the next slice.
    const offset = input.NextToken === undefined ? 0 : decodeToken(input.NextToken, 'gmd');
    let position = 0;
    const total = results.reduce((n, r) => n + r.timestamps.length, 0);
    const out = results.map((r) => {
      const from = Math.min(Math.max(offset - position, 0), r.timestamps.length);
      const to = Math.min(Math.max(offset + max - position, 0), r.timestamps.length);
      position += r.timestamps.length;
      return {
        Id: r.q.Id,
        Label: r.q.Label ?? r.q.MetricStat?.Metric.MetricName ?? r.q.Id,
        Timestamps: r.timestamps.slice(from, to).map((t) => new Date(t)),
        Values: r.values.slice(from, to),
        StatusCode: to < r.timestamps.length ? 'PartialData' : 'Complete',
        Messages: [],
      };
    });
    const next = offset + max;
    return {
      MetricDataResults: out,
      ...(next < total ? { NextToken: encodeToken('gmd', next) } : {}),
      Messages: [],
    };
  }

  listMetrics(input: ListMetricsInput): {
    Metrics: Record<string, unknown>[];
    NextToken?: string;
  } {
    const now = this.clock.now();
    const since = input.RecentlyActive === 'PT3H' ? now - 3 * 3_600_000 : now - 14 * DAY;
    const matches = (m: StoredMetric) =>
      m.lastTimestamp >= since &&
      (input.Namespace === undefined || m.namespace === input.Namespace) &&
      (input.MetricName === undefined || m.metricName === input.MetricName) &&
      (input.Dimensions ?? []).every((f) =>
        m.dimensions.some(
          (d) => d.name === f.Name && (f.Value === undefined || d.value === f.Value),
        ),
      );
    const all = [...this.store.all()]
      .filter(matches)
      .sort((a, b) =>
        compare(
          `${a.namespace}\u0000${a.metricName}\u0000${JSON.stringify(a.dimensions)}`,
          `${b.namespace}\u0000${b.metricName}\u0000${JSON.stringify(b.dimensions)}`,
        ),
      );
    const start = input.NextToken === undefined ? 0 : decodeToken(input.NextToken, 'lm');
    const page = all.slice(start, start + 500);
    return {
      Metrics: page.map((m) => ({
        Namespace: m.namespace,
        MetricName: m.metricName,
        Dimensions: m.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
      })),
      ...(start + 500 < all.length ? { NextToken: encodeToken('lm', start + 500) } : {}),
    };
  }

  // ---------------------------------------------------------------- alarms

  putMetricAlarm(input: PutMetricAlarmInput): void {
    const now = this.clock.now();
    const existing = this.alarms.get(input.AlarmName);
    if (!existing && this.alarms.size >= MAX_ALARMS) {
      throw err('LimitExceeded', `The maximum number of alarms (${MAX_ALARMS}) has been reached.`);
    }
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

    let effectivePeriod: number;
    let math: MetricMath | undefined;
    if (input.Metrics !== undefined) {
      const clash = (
        [
          'MetricName',
          'Namespace',
          'Statistic',
          'ExtendedStatistic',
          'Dimensions',
          'Period',
          'Unit',
        ] as const
      ).filter((k) => input[k] !== undefined);
      if (clash.length > 0) {
        throw err(
          'InvalidParameterCombination',
          `The parameters ${clash.join(', ')} cannot be specified together with Metrics.`,
        );
      }
      if (input.Metrics.length === 0) {
        throw err('ValidationError', 'The collection Metrics must not be empty.');
      }
      input.Metrics.forEach((q, i) => this.checkQuery(q, `Metrics.member.${i + 1}`, true));
      math = new MetricMath(input.Metrics, 'Metrics');
      const returning = input.Metrics.filter((q) => q.ReturnData !== false);
      if (returning.length !== 1) {
        throw err('ValidationError', 'Exactly one element of the metrics list should return data.');
      }
      effectivePeriod = math.periodOf(returning[0]!.Id);
    } else {
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
      this.checkDimensions(toDims(input.Dimensions ?? []), 'Dimensions');
      effectivePeriod = input.Period;
    }
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

    const record: AlarmRecord = {
      AlarmName: input.AlarmName,
      AlarmArn: this.alarmArn(input.AlarmName),
      AlarmDescription: input.AlarmDescription,
      AlarmConfigurationUpdatedTimestamp: now,
      ActionsEnabled: input.ActionsEnabled ?? true,
      OKActions: input.OKActions ?? [],
      AlarmActions: input.AlarmActions ?? [],
      InsufficientDataActions: input.InsufficientDataActions ?? [],
      // An update keeps the current state: only a new alarm starts unchecked.
      StateValue: existing?.StateValue ?? 'INSUFFICIENT_DATA',
      StateReason: existing?.StateReason ?? 'Unchecked: Initial alarm creation',
      StateReasonData: existing?.StateReasonData,
      StateUpdatedTimestamp: existing?.StateUpdatedTimestamp ?? now,
      StateTransitionedTimestamp: existing?.StateTransitionedTimestamp ?? now,
      MetricName: input.MetricName,
      Namespace: input.Namespace,
      Statistic: input.Statistic,
      ExtendedStatistic: input.ExtendedStatistic,
      Dimensions: input.Dimensions,
      Period: input.Period,
      Unit: input.Unit,
      EvaluationPeriods: input.EvaluationPeriods,
      DatapointsToAlarm: input.DatapointsToAlarm,
      Threshold: input.Threshold,
      ComparisonOperator: input.ComparisonOperator,
      TreatMissingData: input.TreatMissingData,
      EvaluateLowSampleCountPercentile: input.EvaluateLowSampleCountPercentile,
      Metrics: input.Metrics,
      ThresholdMetricId: input.ThresholdMetricId,
      effectivePeriod,
      math,
      // AWS ignores Tags when PutMetricAlarm updates an existing alarm.
      tags: existing?.tags ?? new Map((input.Tags ?? []).map((t) => [t.Key, t.Value])),
    };
    this.alarms.set(record.AlarmName, record);
    const described = JSON.stringify(
      jsonSafe(this.describe(record, (ms) => formatAlarmTimestamp(ms))),
    );
    this.addHistory({
      AlarmName: record.AlarmName,
      AlarmType: 'MetricAlarm',
      Timestamp: now,
      HistoryItemType: 'ConfigurationUpdate',
      HistorySummary: `Alarm "${record.AlarmName}" ${existing ? 'updated' : 'created'}`,
      HistoryData: existing
        ? `{"version":"1.0","type":"Update","updatedAlarm":${described}}`
        : `{"version":"1.0","type":"Create","createdAlarm":${described}}`,
    });
  }

  describeAlarms(input: DescribeAlarmsInput): {
    MetricAlarms: Record<string, unknown>[];
    CompositeAlarms: unknown[];
    NextToken?: string;
  } {
    if (input.AlarmNames !== undefined && input.AlarmNamePrefix !== undefined) {
      throw err(
        'InvalidParameterCombination',
        'AlarmNames and AlarmNamePrefix cannot be specified together.',
      );
    }
    if ((input.AlarmNames ?? []).length > 100) {
      throw err(
        'ValidationError',
        'The collection AlarmNames must not have a size greater than 100.',
      );
    }
    const maxRecords = input.MaxRecords ?? 50;
    if (maxRecords < 1 || maxRecords > 100) {
      throw err('ValidationError', 'MaxRecords must be between 1 and 100.');
    }
    const wantMetric = input.AlarmTypes === undefined || input.AlarmTypes.includes('MetricAlarm');
    const names = input.AlarmNames && new Set(input.AlarmNames);
    const all = wantMetric
      ? [...this.alarms.values()]
          .filter(
            (a) =>
              (!names || names.has(a.AlarmName)) &&
              (input.AlarmNamePrefix === undefined ||
                a.AlarmName.startsWith(input.AlarmNamePrefix)) &&
              (input.StateValue === undefined || a.StateValue === input.StateValue) &&
              (input.ActionPrefix === undefined ||
                [...a.OKActions, ...a.AlarmActions, ...a.InsufficientDataActions].some((arn) =>
                  arn.startsWith(input.ActionPrefix!),
                )),
          )
          .sort((a, b) => compare(a.AlarmName, b.AlarmName))
      : [];
    const start = input.NextToken === undefined ? 0 : decodeToken(input.NextToken, 'da');
    const page = all.slice(start, start + maxRecords);
    return {
      MetricAlarms: page.map((a) => this.describe(a, (ms) => new Date(ms))),
      CompositeAlarms: [],
      ...(start + maxRecords < all.length
        ? { NextToken: encodeToken('da', start + maxRecords) }
        : {}),
    };
  }

  describeAlarmsForMetric(input: DescribeAlarmsForMetricInput): {
    MetricAlarms: Record<string, unknown>[];
  } {
    const key = JSON.stringify(toDims(input.Dimensions ?? []).sort(byName));
    const alarms = [...this.alarms.values()].filter(
      (a) =>
        a.Metrics === undefined &&
        a.MetricName === input.MetricName &&
        a.Namespace === input.Namespace &&
        (input.Statistic === undefined || a.Statistic === input.Statistic) &&
        (input.ExtendedStatistic === undefined ||
          a.ExtendedStatistic === input.ExtendedStatistic) &&
        (input.Period === undefined || a.Period === input.Period) &&
        (input.Unit === undefined || a.Unit === input.Unit) &&
        (input.Dimensions === undefined ||
          JSON.stringify(toDims(a.Dimensions ?? []).sort(byName)) === key),
    );
    return {
      MetricAlarms: alarms
        .sort((a, b) => compare(a.AlarmName, b.AlarmName))
        .map((a) => this.describe(a, (ms) => new Date(ms))),
    };
  }

  deleteAlarms(input: { AlarmNames: string[] }): void {
    if (input.AlarmNames.length > 100) {
      throw err(
        'ValidationError',
        'The collection AlarmNames must not have a size greater than 100.',
      );
    }
    const missing = input.AlarmNames.filter((n) => !this.alarms.has(n));
    if (missing.length > 0) {
      throw err('ResourceNotFound', `The named resource does not exist: ${missing.join(', ')}`);
    }
    for (const n of input.AlarmNames) this.alarms.delete(n);
  }

  enableAlarmActions(input: { AlarmNames: string[] }): void {
    this.setActionsEnabled(input.AlarmNames, true);
  }

  disableAlarmActions(input: { AlarmNames: string[] }): void {
    this.setActionsEnabled(input.AlarmNames, false);
  }

  /**
   * Sets the state as AWS does: immediately, with the actions of the new state run in the
   * background when it differs. Returns the action work so callers may await it.
   */
  setAlarmState(input: SetAlarmStateInput): Promise<void> {
    const alarm = this.alarms.get(input.AlarmName);
    if (!alarm) throw err('ResourceNotFound', `Alarm ${input.AlarmName} not found`);
    if (input.StateReasonData !== undefined) {
      try {
        JSON.parse(input.StateReasonData);
      } catch {
        throw err('InvalidFormat', 'StateReasonData is not valid JSON.');
      }
    }
    return this.transition(alarm, {
      state: input.StateValue,
      reason: input.StateReason,
      reasonData: input.StateReasonData ?? '',
    });
  }

  describeAlarmHistory(input: DescribeAlarmHistoryInput): {
    AlarmHistoryItems: Record<string, unknown>[];
    NextToken?: string;
  } {
    const maxRecords = input.MaxRecords ?? 100;
    if (maxRecords < 1 || maxRecords > 100) {
      throw err('ValidationError', 'MaxRecords must be between 1 and 100.');
    }
    if (input.AlarmTypes !== undefined && !input.AlarmTypes.includes('MetricAlarm')) {
      return { AlarmHistoryItems: [] };
    }
    const items = this.history.filter(
      (h) =>
        (input.AlarmName === undefined || h.AlarmName === input.AlarmName) &&
        (input.HistoryItemType === undefined || h.HistoryItemType === input.HistoryItemType) &&
        (input.StartDate === undefined || h.Timestamp >= input.StartDate) &&
        (input.EndDate === undefined || h.Timestamp <= input.EndDate),
    );
    if ((input.ScanBy ?? 'TimestampDescending') === 'TimestampDescending') items.reverse();
    const start = input.NextToken === undefined ? 0 : decodeToken(input.NextToken, 'dah');
    return {
      AlarmHistoryItems: items
        .slice(start, start + maxRecords)
        .map((h) => ({ ...h, Timestamp: new Date(h.Timestamp) })),
      ...(start + maxRecords < items.length
        ? { NextToken: encodeToken('dah', start + maxRecords) }
        : {}),
    };
  }

  tagResource(input: { ResourceARN: string; Tags: Tag[] }): void {
    const alarm = this.alarmByArn(input.ResourceARN);
    if (alarm.tags.size + input.Tags.filter((t) => !alarm.tags.has(t.Key)).length > 50) {
      throw err('LimitExceeded', 'A resource can have at most 50 tags.');
    }
    for (const t of input.Tags) alarm.tags.set(t.Key, t.Value);
  }

  untagResource(input: { ResourceARN: string; TagKeys: string[] }): void {
    const alarm = this.alarmByArn(input.ResourceARN);
    for (const k of input.TagKeys) alarm.tags.delete(k);
  }

  listTagsForResource(input: { ResourceARN: string }): { Tags: Tag[] } {
    const alarm = this.alarmByArn(input.ResourceARN);
    return { Tags: [...alarm.tags].map(([Key, Value]) => ({ Key, Value })) };
  }

  // ---------------------------------------------------------------- evaluation

  /** Evaluates every alarm at the clock's current time; resolves when their actions are done. */
  async evaluateAlarms(): Promise<void> {
    const now = this.clock.now();
    this.pruneHistory(now);
    const work: Promise<void>[] = [];
    for (const alarm of [...this.alarms.values()]) {
      let verdict: Verdict | undefined;
      try {
        verdict = this.cachedVerdict(alarm, now);
      } catch (e) {
        // A broken alarm must not stop the others; AWS reports such alarms as INSUFFICIENT_DATA.
        verdict = {
          state: 'INSUFFICIENT_DATA',
          reason: `Unable to evaluate the alarm: ${(e as Error).message}`,
          reasonData: '',
        };
      }
      if (verdict && verdict.state !== alarm.StateValue) work.push(this.transition(alarm, verdict));
    }
    await Promise.all(work);
  }

  /**
   * An alarm's window only moves once a period, and metrics arrive for the newest minutes, after
   * the window: while neither the window nor any datapoint inside it changed, the last verdict
   * stands. This keeps long windows (288 five-minute periods) cheap to evaluate every minute. A
   * verdict that would change the state is recomputed, so its reason is dated now.
   */
  private cachedVerdict(alarm: AlarmRecord, now: number): Verdict | undefined {
    const periodMs = alarm.effectivePeriod * 1000;
    const windowEnd = Math.floor((now - this.evaluationDelayMs) / periodMs) * periodMs;
    const c = alarm.cache;
    if (
      c &&
      c.windowEnd === windowEnd &&
      this.store.earliestWriteSince(c.storeVersion) >= windowEnd &&
      (c.verdict === undefined || c.verdict.state === alarm.StateValue)
    ) {
      return c.verdict;
    }
    const storeVersion = this.store.version;
    const verdict = this.evaluate(alarm, now);
    alarm.cache = { windowEnd, storeVersion, verdict };
    return verdict;
  }

  private evaluate(alarm: AlarmRecord, now: number): Verdict | undefined {
    const periodMs = alarm.effectivePeriod * 1000;
    const n = alarm.EvaluationPeriods;
    const m = alarm.DatapointsToAlarm ?? n;
    const treat = (alarm.TreatMissingData ?? 'missing') as TreatMissing;
    const windowEnd = Math.floor((now - this.evaluationDelayMs) / periodMs) * periodMs;
    const windowStart = windowEnd - n * periodMs;
    // With missing/ignore, gaps are bridged by looking further back for real datapoints.
    const lookback = treat === 'missing' || treat === 'ignore' ? n : 0;
    const fetchStart = windowStart - lookback * periodMs;
    const values = this.alarmSeries(alarm, fetchStart, windowEnd);
    const threshold = alarm.Threshold ?? 0;
    const breaches = (v: number) => compareToThreshold(alarm.ComparisonOperator, v, threshold);

    const window: number[] = [];
    for (let t = windowEnd - periodMs; t >= windowStart; t -= periodMs) window.push(t);
    const older: number[] = [];
    for (let t = windowStart - periodMs; t >= fetchStart; t -= periodMs) older.push(t);

    const reasonData = (evaluated: { t: number; v: number | undefined }[]) =>
      JSON.stringify({
        version: '1.0',
        queryDate: formatAlarmTimestamp(now),
        startDate: formatAlarmTimestamp(windowStart),
        ...(alarm.Statistic !== undefined ? { statistic: alarm.Statistic } : {}),
        ...(alarm.Unit !== undefined ? { unit: alarm.Unit } : {}),
        period: alarm.effectivePeriod,
        recentDatapoints: [...evaluated].reverse().flatMap((e) => (e.v === undefined ? [] : [e.v])),
        threshold,
        evaluatedDatapoints: evaluated.map((e) => ({
          timestamp: formatAlarmTimestamp(e.t),
          ...(e.v !== undefined ? { value: e.v } : {}),
        })),
      });

    if (treat === 'breaching' || treat === 'notBreaching') {
      const points = window.map((t) => ({ t, v: values.get(t) }));
      const missingBreaches = treat === 'breaching';
      const isBreach = (v: number | undefined) => (v === undefined ? missingBreaches : breaches(v));
      if (points.every((p) => p.v === undefined)) {
        return {
          state: missingBreaches ? 'ALARM' : 'OK',
          reason: `Threshold Crossed: no datapoints were received for ${plural(n, 'period')} and ${plural(n, 'missing datapoint')} ${n === 1 ? 'was' : 'were'} treated as [${missingBreaches ? 'Breaching' : 'NonBreaching'}].`,
          reasonData: reasonData(points),
        };
      }
      const breaching = points.filter((p) => isBreach(p.v)).length;
      return this.thresholdVerdict(alarm, points, breaching >= m, n, m, breaches, reasonData);
    }

    const present = [...window, ...older]
      .filter((t) => values.has(t))
      .slice(0, n)
      .map((t) => ({ t, v: values.get(t) }));
    if (present.length === 0) {
      if (treat === 'ignore') return undefined;
      return {
        state: 'INSUFFICIENT_DATA',
        reason: `Insufficient Data: ${plural(n, 'datapoint')} ${n === 1 ? 'was' : 'were'} unknown.`,
        reasonData: reasonData(window.map((t) => ({ t, v: undefined }))),
      };
    }
    const breaching = present.filter((p) => breaches(p.v!)).length;
    if (breaching >= m) {
      return this.thresholdVerdict(alarm, present, true, present.length, m, breaches, reasonData);
    }
    if (present.length < n && breaching === present.length) {
      // Too few datapoints to decide, all of them breaching: `missing` alarms, `ignore` waits.
      if (treat === 'ignore') return undefined;
      return this.thresholdVerdict(
        alarm,
        present,
        true,
        present.length,
        present.length,
        breaches,
        reasonData,
      );
    }
    return this.thresholdVerdict(alarm, present, false, present.length, m, breaches, reasonData);
  }

  /**
   * The "Threshold Crossed" reason, worded as AWS words it: the datapoints listed are the ones
   * that support the new state, newest first.
   */
  private thresholdVerdict(
    alarm: AlarmRecord,
    points: { t: number; v: number | undefined }[],
    alarming: boolean,
    outOf: number,
    m: number,
    breaches: (v: number) => boolean,
    reasonData: (evaluated: { t: number; v: number | undefined }[]) => string,
  ): Verdict {
    const supporting = points.filter((p) => p.v !== undefined && breaches(p.v) === alarming);
    const count = alarming
      ? points.filter((p) => (p.v === undefined ? true : breaches(p.v))).length
      : points.filter((p) => (p.v === undefined ? true : !breaches(p.v))).length;
    const shown = Math.min(count, outOf);
    const list = supporting
      .map((p) => `${formatJavaDouble(p.v!)} (${formatReasonTimestamp(p.t)})`)
      .join(', ');
    const phrase = COMPARISON_PHRASES[alarm.ComparisonOperator];
    const minimum = alarming ? m : outOf - m + 1;
    const reason =
      `Threshold Crossed: ${shown} out of the last ${outOf} datapoints [${list}] ` +
      `${shown === 1 ? 'was' : 'were'} ${alarming ? '' : 'not '}${phrase} the threshold ` +
      `(${formatJavaDouble(alarm.Threshold ?? 0)}) (minimum ${plural(Math.max(minimum, 1), 'datapoint')} ` +
      `for ${alarming ? 'OK -> ALARM' : 'ALARM -> OK'} transition).`;
    return { state: alarming ? 'ALARM' : 'OK', reason, reasonData: reasonData(points) };
  }

  /** The alarmed series over [startMs, endMs), keyed by period start. */
  private alarmSeries(alarm: AlarmRecord, startMs: number, endMs: number): Map<number, number> {
    if (alarm.math && alarm.Metrics) {
      const id = alarm.Metrics.find((q) => q.ReturnData !== false)!.Id;
      const s = alarm.math.evaluator(startMs, endMs, this.fetcher())(id);
      return new Map(s.timestamps.map((t, i) => [t, s.values[i]!]));
    }
    const stat: MetricStat = {
      Metric: {
        Namespace: alarm.Namespace,
        MetricName: alarm.MetricName,
        Dimensions: alarm.Dimensions,
      },
      Period: alarm.effectivePeriod,
      Stat: alarm.Statistic ?? alarm.ExtendedStatistic ?? 'Average',
      ...(alarm.Unit !== undefined ? { Unit: alarm.Unit as MetricStat['Unit'] } : {}),
    };
    return this.fetcher()(stat, startMs, endMs, alarm.effectivePeriod * 1000);
  }

  private transition(alarm: AlarmRecord, verdict: Verdict): Promise<void> {
    const now = this.clock.now();
    const oldState = alarm.StateValue;
    const oldReason = alarm.StateReason;
    alarm.StateReason = verdict.reason;
    alarm.StateReasonData = verdict.reasonData === '' ? undefined : verdict.reasonData;
    alarm.StateUpdatedTimestamp = now;
    if (oldState === verdict.state) return Promise.resolve();
    alarm.StateValue = verdict.state;
    alarm.StateTransitionedTimestamp = now;
    const newState: Record<string, unknown> = {
      stateValue: verdict.state,
      stateReason: verdict.reason,
    };
    if (verdict.reasonData !== '') newState.stateReasonData = JSON.parse(verdict.reasonData);
    this.addHistory({
      AlarmName: alarm.AlarmName,
      AlarmType: 'MetricAlarm',
      Timestamp: now,
      HistoryItemType: 'StateUpdate',
      HistorySummary: `Alarm updated from ${oldState} to ${verdict.state}`,
      HistoryData: JSON.stringify({
        version: '1.0',
        oldState: { stateValue: oldState, stateReason: oldReason },
        newState,
      }),
    });
    if (!alarm.ActionsEnabled) return Promise.resolve();
    const arns =
      verdict.state === 'ALARM'
        ? alarm.AlarmActions
        : verdict.state === 'OK'
          ? alarm.OKActions
          : alarm.InsufficientDataActions;
    if (arns.length === 0) return Promise.resolve();
    const notification = buildAlarmNotification(
      this.snapshot(alarm),
      { oldState, newState: verdict.state, reason: verdict.reason, time: now },
      { region: this.region, accountId: this.accountId },
    );
    const work = Promise.all(arns.map((arn) => this.runAction(alarm, arn, notification))).then(
      () => undefined,
    );
    return this.clock.track(work);
  }

  private async runAction(
    alarm: AlarmRecord,
    arn: string,
    notification: { subject: string; message: string },
  ): Promise<void> {
    const record = (ok: boolean, summary: string, data: Record<string, unknown>) =>
      this.addHistory({
        AlarmName: alarm.AlarmName,
        AlarmType: 'MetricAlarm',
        Timestamp: this.clock.now(),
        HistoryItemType: 'Action',
        HistorySummary: summary,
        HistoryData: JSON.stringify({ actionState: ok ? 'Succeeded' : 'Failed', ...data }),
      });
    if (!/^arn:aws[a-z-]*:sns:/.test(arn)) {
      record(false, `Failed to execute action ${arn}`, {
        error: 'Only SNS topic actions are executed by the embedded emulator',
      });
      return;
    }
    try {
      const { messageId } = await this.publisher.publish({
        topicArn: arn,
        subject: notification.subject,
        message: notification.message,
      });
      record(true, `Successfully executed action ${arn}`, {
        notificationResource: arn,
        publishedMessage: { messageId },
      });
    } catch (e) {
      record(false, `Failed to execute action ${arn}. Received error: "${(e as Error).message}"`, {
        notificationResource: arn,
        error: (e as Error).message,
      });
    }
  }

  // ---------------------------------------------------------------- helpers

  private fetcher() {
    return (stat: MetricStat, startMs: number, endMs: number, periodMs: number) => {
      const out = new Map<number, number>();
      const m = stat.Metric;
      const metric = this.store.find(
        m.Namespace ?? '',
        m.MetricName ?? '',
        toDims(m.Dimensions ?? []),
      );
      if (!metric) return out;
      const s = checkStatistic(stat.Stat, 'Stat');
      for (const [t, p] of this.store.aggregate(metric, startMs, endMs, periodMs, stat.Unit)) {
        out.set(t, statValue(p.stats, s));
      }
      return out;
    };
  }

  private checkQuery(q: MetricDataQuery, where: string, forAlarm: boolean): void {
    if (q.MetricStat) {
      checkStatistic(q.MetricStat.Stat, `${where}.MetricStat.Stat`);
      if (forAlarm) checkAlarmPeriod(q.MetricStat.Period, `${where}.MetricStat.Period`);
      else checkQueryPeriod(q.MetricStat.Period, `${where}.MetricStat.Period`);
      this.checkDimensions(
        toDims(q.MetricStat.Metric.Dimensions ?? []),
        `${where}.MetricStat.Metric.Dimensions`,
      );
    }
    if (q.Period !== undefined) {
      if (forAlarm) checkAlarmPeriod(q.Period, `${where}.Period`);
      else checkQueryPeriod(q.Period, `${where}.Period`);
    }
  }

  private checkDimensions(dims: { name: string; value: string }[], where: string) {
    if (dims.length > 30) {
      throw err(
        'InvalidParameterValue',
        `The collection ${where} must not have more than 30 members.`,
      );
    }
    const names = new Set<string>();
    for (const d of dims) {
      if (names.has(d.name)) {
        throw err(
          'InvalidParameterValue',
          `The collection ${where} must not contain duplicate dimension names (${d.name}).`,
        );
      }
      names.add(d.name);
    }
    return dims;
  }

  private setActionsEnabled(names: string[], enabled: boolean): void {
    if (names.length > 100) {
      throw err(
        'ValidationError',
        'The collection AlarmNames must not have a size greater than 100.',
      );
    }
    for (const n of names) {
      const alarm = this.alarms.get(n);
      if (alarm) alarm.ActionsEnabled = enabled;
    }
  }

  private alarmArn(name: string): string {
    return `arn:aws:cloudwatch:${this.region}:${this.accountId}:alarm:${name}`;
  }

  private alarmByArn(arn: string): AlarmRecord {
    const prefix = `arn:aws:cloudwatch:${this.region}:${this.accountId}:alarm:`;
    const alarm = arn.startsWith(prefix) ? this.alarms.get(arn.slice(prefix.length)) : undefined;
    if (!alarm) throw err('ResourceNotFound', `Unknown resource: ${arn}`);
    return alarm;
  }

  private snapshot(a: AlarmRecord): AlarmSnapshot {
    return { ...a, Period: a.effectivePeriod };
  }

  private describe<T>(a: AlarmRecord, time: (ms: number) => T): Record<string, unknown> {
    const out: Record<string, unknown> = {
      AlarmName: a.AlarmName,
      AlarmArn: a.AlarmArn,
      AlarmDescription: a.AlarmDescription,
      AlarmConfigurationUpdatedTimestamp: time(a.AlarmConfigurationUpdatedTimestamp),
      ActionsEnabled: a.ActionsEnabled,
      OKActions: a.OKActions,
      AlarmActions: a.AlarmActions,
      InsufficientDataActions: a.InsufficientDataActions,
      StateValue: a.StateValue,
      StateReason: a.StateReason,
      StateReasonData: a.StateReasonData,
      StateUpdatedTimestamp: time(a.StateUpdatedTimestamp),
      MetricName: a.MetricName,
      Namespace: a.Namespace,
      Statistic: a.Statistic,
      ExtendedStatistic: a.ExtendedStatistic,
      Dimensions: a.Metrics ? undefined : (a.Dimensions ?? []),
      Period: a.Period,
      Unit: a.Unit,
      EvaluationPeriods: a.EvaluationPeriods,
      DatapointsToAlarm: a.DatapointsToAlarm,
      Threshold: a.Threshold,
      ComparisonOperator: a.ComparisonOperator,
      TreatMissingData: a.TreatMissingData,
      EvaluateLowSampleCountPercentile: a.EvaluateLowSampleCountPercentile,
      Metrics: a.Metrics,
      ThresholdMetricId: a.ThresholdMetricId,
      StateTransitionedTimestamp: time(a.StateTransitionedTimestamp),
    };
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    return out;
  }

  private addHistory(item: HistoryItem): void {
    this.history.push(item);
  }

  private pruneHistory(now: number): void {
    const cutoff = now - HISTORY_RETENTION_MS;
    if (this.history.length > 0 && this.history[0]!.Timestamp < cutoff) {
      this.history = this.history.filter((h) => h.Timestamp >= cutoff);
    }
  }
}

const COMPARISON_PHRASES: Record<ComparisonOperator, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside the band of',
  LessThanLowerThreshold: 'less than the lower band of',
  GreaterThanUpperThreshold: 'greater than the upper band of',
};

function compareToThreshold(op: ComparisonOperator, v: number, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanOrEqualToThreshold':
      return v >= threshold;
    case 'GreaterThanThreshold':
      return v > threshold;
    case 'LessThanThreshold':
      return v < threshold;
    case 'LessThanOrEqualToThreshold':
      return v <= threshold;
    default:
      // Band operators are rejected at PutMetricAlarm.
      return false;
  }
}

/** Alarms accept 10, 20, 30 or a multiple of 60 seconds. */
function checkAlarmPeriod(period: number, param: string): void {
  if (!(period === 10 || period === 20 || period === 30 || (period >= 60 && period % 60 === 0))) {
    throw err(
      'ValidationError',
      `The parameter ${param} must be 10, 20, 30 or a multiple of 60 (got ${period}).`,
    );
  }
}

/** Queries also accept the high-resolution periods 1 and 5. */
function checkQueryPeriod(period: number, param: string): void {
  if (!([1, 5, 10, 20, 30].includes(period) || (period >= 60 && period % 60 === 0))) {
    throw err(
      'InvalidParameterValue',
      `The parameter ${param} must be 1, 5, 10, 20, 30 or a multiple of 60 (got ${period}).`,
    );
  }
}

const toDims = (dims: ApiDimension[] | { Name: string; Value?: string }[]) =>
  dims.map((d) => ({ name: d.Name, value: d.Value ?? '' }));

const byName = (a: { name: string }, b: { name: string }) => compare(a.name, b.name);

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Pagination tokens: opaque to clients, and tied to the operation that issued them. */
function encodeToken(kind: string, offset: number): string {
  return Buffer.from(JSON.stringify({ k: kind, o: offset })).toString('base64');
}

function decodeToken(token: string, kind: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {
      k?: unknown;
      o?: unknown;
    };
    if (parsed.k === kind && typeof parsed.o === 'number' && parsed.o >= 0) return parsed.o;
  } catch {
    // fall through to the error below
  }
  throw err('InvalidNextToken', 'The service cannot parse the NextToken.');
}

/** Drops undefined fields so history JSON looks like AWS's. */
function jsonSafe(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}
