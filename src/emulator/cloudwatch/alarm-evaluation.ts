/**
 * Alarm evaluation, apart from the model as LocalStack keeps its alarm scheduler apart: a scheduler
 * on the emulator's Clock evaluates every alarm each minute, and `evaluateAlarm` is the pure
 * decision for one alarm over its window. State changes, history and actions stay with the model,
 * which the scheduler calls back with each verdict that changes an alarm's state.
 */
import type { Clock, TimerHandle } from '../clock.js';
import { errorMessage } from '../../aws/errors.js';
import { formatAlarmTimestamp, formatJavaDouble, formatReasonTimestamp } from './alarm-message.js';
import type { AlarmRecord, TreatMissing, Verdict } from './alarm-record.js';
import type { MetricStore } from './metric-store.js';
import type { ComparisonOperator, StateValue } from './schemas.js';

const MINUTE = 60_000;

/** The alarmed series over [startMs, endMs), keyed by period start. */
export type AlarmSeries = (
  alarm: AlarmRecord,
  startMs: number,
  endMs: number,
) => Map<number, number>;

export interface AlarmSchedulerOptions {
  clock: Clock;
  /**
   * How far behind `now` the newest evaluated period ends: metrics reach CloudWatch late, so
   * judging the period that just closed would see it half empty.
   */
  evaluationDelayMs: number;
  alarms: () => Iterable<AlarmRecord>;
  /** Where the datapoints live; its write log tells which cached verdicts still stand. */
  store: MetricStore;
  series: AlarmSeries;
  /** Called before each round, with its time. */
  onRound?: (now: number) => void;
  /** Applies a verdict that changes the alarm's state; resolves when its actions are done. */
  onVerdict: (alarm: AlarmRecord, verdict: Verdict) => Promise<void>;
}

export class AlarmScheduler {
  private readonly timer: TimerHandle;

  constructor(private readonly opts: AlarmSchedulerOptions) {
    this.timer = opts.clock.setInterval(() => this.evaluateAll(), MINUTE);
  }

  dispose(): void {
    this.opts.clock.clearTimer(this.timer);
  }

  /** Evaluates every alarm at the clock's current time; resolves when their actions are done. */
  async evaluateAll(): Promise<void> {
    const now = this.opts.clock.now();
    this.opts.onRound?.(now);
    const work: Promise<void>[] = [];
    for (const alarm of [...this.opts.alarms()]) {
      let verdict: Verdict | undefined;
      try {
        verdict = this.cachedVerdict(alarm, now);
      } catch (e) {
        // A broken alarm must not stop the others; AWS reports such alarms as INSUFFICIENT_DATA.
        verdict = {
          state: 'INSUFFICIENT_DATA',
          reason: `Unable to evaluate the alarm: ${errorMessage(e)}`,
          reasonData: '',
        };
      }
      if (verdict && verdict.state !== alarm.StateValue) {
        work.push(this.opts.onVerdict(alarm, verdict));
      }
    }
    await Promise.all(work);
  }

  /**
   * Metrics arrive for the newest minutes, after the window: while neither the window nor any
   * datapoint inside it changed, the last verdict stands. This keeps wall-clock windows (which move
   * once a period) cheap to evaluate every minute. A verdict that would change the state is
   * recomputed, so its reason is dated now.
   */
  private cachedVerdict(alarm: AlarmRecord, now: number): Verdict | undefined {
    const { store } = this.opts;
    const windowEnd = alarm.window.end(
      now - this.opts.evaluationDelayMs,
      alarm.effectivePeriod * 1000,
    );
    const c = alarm.cache;
    if (
      c &&
      c.windowEnd === windowEnd &&
      store.earliestWriteSince(c.storeVersion) >= windowEnd &&
      (c.verdict === undefined || c.verdict.state === alarm.StateValue)
    ) {
      return c.verdict;
    }
    const storeVersion = store.version;
    const verdict = evaluateAlarm(alarm, now, windowEnd, this.series);
    alarm.cache = { windowEnd, storeVersion, verdict };
    return verdict;
  }

  /**
   * The alarmed series, remembered per period across evaluations. A sliding window moves every
   * minute, so without this a 288 x 5-minute alarm would recompute 576 periods of metric math
   * each minute though only the newest period's data changed. Only for alarms whose periods are
   * whole minutes and whose every period depends on its own data alone (`periodLocal`); a period
   * is recomputed when the store's write log shows a datapoint written for its time since.
   */
  private readonly series: AlarmSeries = (alarm, startMs, endMs) => {
    const { store } = this.opts;
    if (!periodLocal(alarm) || startMs % MINUTE !== 0) {
      return this.opts.series(alarm, startMs, endMs);
    }
    const periodMs = alarm.effectivePeriod * 1000;
    let cache = alarm.periods;
    if (!cache) {
      cache = { storeVersion: store.version, values: new Map(), newest: -Infinity };
      alarm.periods = cache;
    } else if (cache.storeVersion !== store.version) {
      const changed = store.earliestWriteSince(cache.storeVersion);
      if (changed === Number.NEGATIVE_INFINITY) {
        cache.values.clear();
      } else if (changed !== Number.POSITIVE_INFINITY) {
        // A write lands in the minute of its timestamp; every period covering that minute or a
        // later one is stale. Period starts are whole minutes (periods and starts are).
        const minute = Math.floor(changed / MINUTE) * MINUTE;
        for (let t = minute - periodMs + MINUTE; t <= cache.newest; t += MINUTE) {
          cache.values.delete(t);
        }
      }
      cache.storeVersion = store.version;
    }
    // Windows only move forward: once the cache holds more than the span asked for (every phase of
    // the period), the periods before this request are dropped.
    if (cache.values.size > 2 * ((endMs - startMs) / MINUTE)) {
      for (const t of cache.values.keys()) if (t < startMs) cache.values.delete(t);
    }
    const values = cache.values;
    const fill = (from: number, to: number) => {
      const fresh = this.opts.series(alarm, from, to);
      for (let t = from; t < to; t += periodMs) values.set(t, fresh.get(t) ?? null);
    };
    let runStart: number | undefined;
    for (let t = startMs; t < endMs; t += periodMs) {
      if (values.has(t)) {
        if (runStart !== undefined) fill(runStart, t);
        runStart = undefined;
      } else {
        runStart ??= t;
      }
    }
    if (runStart !== undefined) fill(runStart, endMs);
    cache.newest = Math.max(cache.newest, endMs - periodMs);
    const out = new Map<number, number>();
    for (let t = startMs; t < endMs; t += periodMs) {
      const v = values.get(t);
      if (v !== null && v !== undefined) out.set(t, v);
    }
    return out;
  };
}

/**
 * Whether a sub-range of the alarm's series has the values the whole range would: whole-minute
 * periods (so a period's data is the minutes it covers), and for metric math, every query at the
 * alarm's period and every expression pointwise.
 */
function periodLocal(alarm: AlarmRecord): boolean {
  if (alarm.effectivePeriod % 60 !== 0) return false;
  if (!alarm.Metrics) return true;
  const math = alarm.math;
  if (!math?.pointwise) return false;
  return alarm.Metrics.every((q) => math.periodOf(q.Id) === alarm.effectivePeriod);
}

/**
 * One evaluation of `alarm` at `now` over the periods that end at `windowEnd`; undefined when the
 * alarm keeps its state (TreatMissingData `ignore` without enough data).
 */
export function evaluateAlarm(
  alarm: AlarmRecord,
  now: number,
  windowEnd: number,
  series: AlarmSeries,
): Verdict | undefined {
  const periodMs = alarm.effectivePeriod * 1000;
  const n = alarm.EvaluationPeriods;
  const m = alarm.DatapointsToAlarm ?? n;
  const treat = (alarm.TreatMissingData ?? 'missing') as TreatMissing;
  const windowStart = windowEnd - n * periodMs;
  // With missing/ignore, gaps are bridged by looking further back for real datapoints.
  const lookback = treat === 'missing' || treat === 'ignore' ? n : 0;
  const fetchStart = windowStart - lookback * periodMs;
  const values = series(alarm, fetchStart, windowEnd);
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
      return lazyVerdict(
        missingBreaches ? 'ALARM' : 'OK',
        () =>
          `Threshold Crossed: no datapoints were received for ${plural(n, 'period')} and ${plural(n, 'missing datapoint')} ${n === 1 ? 'was' : 'were'} treated as [${missingBreaches ? 'Breaching' : 'NonBreaching'}].`,
        () => reasonData(points),
      );
    }
    const breaching = points.filter((p) => isBreach(p.v)).length;
    return thresholdVerdict(alarm, points, breaching >= m, n, m, breaches, reasonData);
  }

  // The newest n periods that have a datapoint, newest first.
  const present: { t: number; v: number | undefined }[] = [];
  for (const list of [window, older]) {
    for (const t of list) {
      if (present.length === n) break;
      const v = values.get(t);
      if (v !== undefined) present.push({ t, v });
    }
  }
  if (present.length === 0) {
    if (treat === 'ignore') return undefined;
    return lazyVerdict(
      'INSUFFICIENT_DATA',
      () => `Insufficient Data: ${plural(n, 'datapoint')} ${n === 1 ? 'was' : 'were'} unknown.`,
      () => reasonData(window.map((t) => ({ t, v: undefined }))),
    );
  }
  const breaching = present.filter((p) => breaches(p.v!)).length;
  if (breaching >= m) {
    return thresholdVerdict(alarm, present, true, present.length, m, breaches, reasonData);
  }
  if (present.length < n && breaching === present.length) {
    // Too few datapoints to decide, all of them breaching: `missing` alarms, `ignore` waits.
    if (treat === 'ignore') return undefined;
    return thresholdVerdict(
      alarm,
      present,
      true,
      present.length,
      present.length,
      breaches,
      reasonData,
    );
  }
  return thresholdVerdict(alarm, present, false, present.length, m, breaches, reasonData);
}

/**
 * The "Threshold Crossed" reason, worded as AWS words it: the datapoints listed are the ones
 * that support the new state, newest first.
 */
function thresholdVerdict(
  alarm: AlarmRecord,
  points: { t: number; v: number | undefined }[],
  alarming: boolean,
  outOf: number,
  m: number,
  breaches: (v: number) => boolean,
  reasonData: (evaluated: { t: number; v: number | undefined }[]) => string,
): Verdict {
  const reason = () => {
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
    return (
      `Threshold Crossed: ${shown} out of the last ${outOf} datapoints [${list}] ` +
      `${shown === 1 ? 'was' : 'were'} ${alarming ? '' : 'not '}${phrase} the threshold ` +
      `(${formatJavaDouble(alarm.Threshold ?? 0)}) (minimum ${plural(Math.max(minimum, 1), 'datapoint')} ` +
      `for ${alarming ? 'OK -> ALARM' : 'ALARM -> OK'} transition).`
    );
  };
  return lazyVerdict(alarming ? 'ALARM' : 'OK', reason, () => reasonData(points));
}

/**
 * A verdict whose reason texts are built on first read: most evaluations keep the alarm's state,
 * and then nobody reads them, while building them formats every datapoint of the window.
 */
function lazyVerdict(state: StateValue, reason: () => string, reasonData: () => string): Verdict {
  const verdict = { state } as Verdict;
  for (const [key, build] of [
    ['reason', reason],
    ['reasonData', reasonData],
  ] as const) {
    let value: string | undefined;
    Object.defineProperty(verdict, key, {
      enumerable: true,
      get: () => (value ??= build()),
    });
  }
  return verdict;
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

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
