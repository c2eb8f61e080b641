/**
 * CloudWatch for one region: metric storage and statistics, metric math, metric alarms with
 * evaluation on the emulator clock, alarm history and tags. No HTTP here; the protocol adapters
 * turn requests into calls of these methods.
 */
import { errorMessage } from '../../aws/errors.js';
import type { Clock } from '../clock.js';
import type { MetricDatum, MetricSink, NotificationPublisher } from '../contracts.js';
import { AlarmScheduler } from './alarm-evaluation.js';
import {
  buildAlarmNotification,
  formatAlarmTimestamp,
  type AlarmSnapshot,
} from './alarm-message.js';
import type { AlarmRecord, Verdict } from './alarm-record.js';
import { validateAlarm } from './alarm-validation.js';
import { compare, decodeToken, encodeToken, err, toDims } from './checks.js';
import { Metrics } from './metrics.js';
import type {
  DescribeAlarmHistoryInput,
  DescribeAlarmsForMetricInput,
  DescribeAlarmsInput,
  GetMetricDataInput,
  GetMetricStatisticsInput,
  ListMetricsInput,
  MetricStat,
  PutMetricAlarmInput,
  PutMetricDataInput,
  SetAlarmStateInput,
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
interface HistoryItem {
  AlarmName: string;
  AlarmType: 'MetricAlarm';
  Timestamp: number;
  HistoryItemType: 'ConfigurationUpdate' | 'StateUpdate' | 'Action';
  HistorySummary: string;
  HistoryData: string;
}

export class CloudWatchModel implements MetricSink {
  readonly region: string;
  readonly accountId: string;
  private readonly clock: Clock;
  private readonly publisher: NotificationPublisher;
  private readonly metrics: Metrics;
  private readonly alarms = new Map<string, AlarmRecord>();
  private history: HistoryItem[] = [];
  private readonly scheduler: AlarmScheduler;

  constructor(opts: CloudWatchModelOptions) {
    this.clock = opts.clock;
    this.region = opts.region;
    this.accountId = opts.accountId;
    this.publisher = opts.publisher;
    this.metrics = new Metrics(this.clock);
    this.scheduler = new AlarmScheduler({
      clock: this.clock,
      evaluationDelayMs: opts.evaluationDelayMs ?? MINUTE,
      alarms: () => this.alarms.values(),
      store: this.metrics.store,
      series: (alarm, startMs, endMs) => this.alarmSeries(alarm, startMs, endMs),
      onRound: (now) => this.pruneHistory(now),
      onVerdict: (alarm, verdict) => this.transition(alarm, verdict),
    });
  }

  dispose(): void {
    this.scheduler.dispose();
  }

  // ---------------------------------------------------------------- metrics

  /** For emulated services (Kinesis publishes `AWS/Kinesis`), so no namespace restriction. */
  putMetric(datum: MetricDatum): void {
    this.metrics.putMetric(datum);
  }

  putMetricData(input: PutMetricDataInput): void {
    this.metrics.putMetricData(input);
  }

  getMetricStatistics(input: GetMetricStatisticsInput): ReturnType<Metrics['getMetricStatistics']> {
    return this.metrics.getMetricStatistics(input);
  }

  getMetricData(input: GetMetricDataInput): ReturnType<Metrics['getMetricData']> {
    return this.metrics.getMetricData(input);
  }

  listMetrics(input: ListMetricsInput): ReturnType<Metrics['listMetrics']> {
    return this.metrics.listMetrics(input);
  }

  // ---------------------------------------------------------------- alarms

  putMetricAlarm(input: PutMetricAlarmInput): void {
    const now = this.clock.now();
    const existing = this.alarms.get(input.AlarmName);
    if (!existing && this.alarms.size >= MAX_ALARMS) {
      throw err('LimitExceeded', `The maximum number of alarms (${MAX_ALARMS}) has been reached.`);
    }
    const { effectivePeriod, math, window } = validateAlarm(input);

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
      window,
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
  evaluateAlarms(): Promise<void> {
    return this.scheduler.evaluateAll();
  }

  /** The alarmed series over [startMs, endMs), keyed by period start. */
  private alarmSeries(alarm: AlarmRecord, startMs: number, endMs: number): Map<number, number> {
    if (alarm.math && alarm.Metrics) {
      const id = alarm.Metrics.find((q) => q.ReturnData !== false)!.Id;
      const s = alarm.math.evaluator(startMs, endMs, this.metrics.fetcher())(id);
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
    return this.metrics.fetcher()(stat, startMs, endMs, alarm.effectivePeriod * 1000);
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
      record(false, `Failed to execute action ${arn}. Received error: "${errorMessage(e)}"`, {
        notificationResource: arn,
        error: errorMessage(e),
      });
    }
  }

  // ---------------------------------------------------------------- helpers

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
      EvaluationWindow: a.window.described,
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

const byName = (a: { name: string }, b: { name: string }) => compare(a.name, b.name);

/** Drops undefined fields so history JSON looks like AWS's. */
function jsonSafe(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}
