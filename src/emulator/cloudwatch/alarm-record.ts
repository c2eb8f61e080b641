/** A metric alarm as CloudWatch keeps it, shared by the model, its validation and its scheduler. */
import type { WindowRule } from './evaluation-window.js';
import type { MetricMath } from './math.js';
import type { ApiDimension, ComparisonOperator, MetricDataQuery, StateValue } from './schemas.js';

export const TREAT_MISSING = ['missing', 'ignore', 'breaching', 'notBreaching'] as const;
export type TreatMissing = (typeof TREAT_MISSING)[number];

export interface AlarmRecord {
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
  /** Where each evaluation's window ends (EvaluationWindow). */
  window: WindowRule;
  tags: Map<string, string>;
  /** The last verdict and what it was computed from; a new record (PutMetricAlarm) starts without. */
  cache?: { windowEnd: number; storeVersion: number; verdict: Verdict | undefined };
  /**
   * Values of the alarmed series by period start (null: no datapoint), valid as of `storeVersion`,
   * for alarms whose every period depends on that period's data alone (see `periodLocal`).
   */
  periods?: { storeVersion: number; values: Map<number, number | null>; newest: number };
}

/** The decision of one evaluation. */
export interface Verdict {
  state: StateValue;
  reason: string;
  reasonData: string;
}
