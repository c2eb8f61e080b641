import type { Direction } from './alarm-contract.js';
import { SCALING_OPERATIONS_PER_DAY, type ScalingConfig } from './config.js';
import { downAffordable, upTarget } from './budget.js';
import { forecastPeak, recentPeak, type DemandHistory } from './forecast.js';
import { learnHeadroom, spikes } from './headroom.js';
import { applyLimits } from './limits.js';
import { summarizeLoad, utilization, type LoadSummary, type MinuteLoad } from './load.js';

/**
 * What the policy knows beyond the alarm's minutes: when it is deciding (the alarm's state-change
 * time, never the wall clock) and the stream's coarse history over the previous days.
 */
export interface PolicyContext {
  now: number;
  /** Demand per history period, ending at `now`; absent when no lever needs it. */
  history?: DemandHistory;
}

export interface PolicyInput {
  direction: Direction;
  currentShards: number;
  /** Per-minute load over the direction's lookback window, ending at the alarm's state change. */
  load: readonly MinuteLoad[];
  config: ScalingConfig;
  operationsInLast24h: number;
  /**
   * When the stream last changed size (the state change of the scaling log's newest entry). Until
   * the minute after it, the stream ran at its old size, and what throttled then says nothing
   * about the current one.
   */
  lastScalingAt?: number;
  /**
   * The lowest usage at which the stream throttled in the scaling log's recent decisions
   * (`Explanation.throttledAt`): what its hot shards and bursty seconds leave of the average.
   */
  throttleOnset?: number;
  context?: PolicyContext;
}

/** The rule that set the desired shard count. */
export type Rule =
  | 'load' // the peak of the alarm's minutes, sized for the target
  | 'throttled' // the peak with throttled records added back
  | 'forecast' // the peak the same hours of previous days predict
  | 'budget' // a scale-up stretched, or a scale-down held, to keep calls for the day's peak
  | 'hold' // throttling seen, or too small a step to spend a call on
  | 'peer'; // seed or double-halve

/** Every input and intermediate figure behind a decision, for the log line and the scaling log. */
export interface Explanation {
  rule: Rule;
  /** Peak demand over the alarm's minutes, in shards. */
  demandShards: number;
  /** Utilisation sized for, and the 5-minute growth it was learned from (1 = not learned). */
  target: number;
  growth: number;
  /** Forecast peak over the horizon in shards, and the previous days it came from. */
  forecastShards?: number;
  forecastDays?: number;
  /** Shards the predicted peak of the next 24 hours needs (budget lever). */
  dayPeakShards?: number;
  /** The lowest usage at which the current size throttled within the lookback. */
  throttledAt?: number;
  /** UpdateShardCount calls used in the last 24 hours, and how many this decision keeps free. */
  callsUsed: number;
  callsReserved?: number;
}

export type Decision =
  | {
      action: 'scale';
      target: number;
      desired: number;
      reason: string;
      load: LoadSummary;
      boundBy: string[];
      explanation: Explanation;
    }
  | {
      action: 'none';
      desired: number;
      reason: string;
      load: LoadSummary;
      boundBy: string[];
      explanation: Explanation;
    };

/**
 * The peers' rules, reproduced for comparison in simulations. Neither looks at throttling.
 * seed: the Python original: up by 100% below 3 shards, 50% below 50, 25% above; down to
 * max(n/2, 2 x peak usage x n) over its (24-hour) scale-down window.
 * double-halve: the AWS sample: x2 up, /2 down.
 */
function peerDesired(
  policy: 'seed' | 'double-halve',
  direction: Direction,
  n: number,
  load: LoadSummary,
): number {
  if (policy === 'double-halve') return direction === 'up' ? 2 * n : Math.ceil(n / 2);
  if (direction === 'up') return n < 3 ? 2 * n : n < 50 ? Math.ceil(n * 1.5) : Math.ceil(n * 1.25);
  return Math.max(Math.ceil(n / 2), Math.ceil(2 * load.peakUtilization * n - 1e-9));
}

/** A scale-down must shed at least this share of the shards to be worth one of the day's calls. */
export const MIN_SCALE_DOWN_STEP = 0.25;
const HOUR_MS = 3_600_000;

function sized(shards: number, target: number): number {
  return Math.max(1, Math.ceil(shards / target - 1e-9));
}

/** The shard count the load calls for, before limits, and why. */
export function desiredShards(
  input: Pick<
    PolicyInput,
    | 'direction'
    | 'currentShards'
    | 'config'
    | 'operationsInLast24h'
    | 'context'
    | 'lastScalingAt'
    | 'throttleOnset'
  > & { load?: readonly MinuteLoad[] },
  load: LoadSummary,
): {
  desired: number;
  reason: string;
  explanation: Explanation;
} {
  const n = input.currentShards;
  const cfg = input.config;
  const used = input.operationsInLast24h;
  if (cfg.policy !== 'ours') {
    const desired = peerDesired(cfg.policy, input.direction, n, load);
    return {
      desired,
      reason: `${cfg.policy} policy; peak usage ${pct(load.peakUtilization)} of ${n} shards over ${load.minutes} min`,
      explanation: {
        rule: 'peer',
        demandShards: round(n * load.peakUtilization),
        target: cfg.targetUtilization,
        growth: 1,
        callsUsed: used,
      },
    };
  }
  const history = input.context?.history;
  const now = input.context?.now;
  // The usage at which this size throttled (hot shards, bursty seconds), for the log and, with the
  // scaling log's memory of it, for the scale-down floor below.
  const throttledAt = cfg.headroom ? throttleOnset(input.load, input.lastScalingAt, n) : undefined;
  const onset = Math.min(
    throttledAt ?? Infinity,
    (cfg.headroom && input.throttleOnset) || Infinity,
  );
  const headroom =
    cfg.headroom && history
      ? learnHeadroom(history, cfg.targetUtilization)
      : { target: cfg.targetUtilization, growth: 1, samples: 0 };
  const target = headroom.target;
  // CloudWatch counts whole records: a fraction is arithmetic residue, not a refused write.
  const throttled = load.throttledRecords >= 1;
  const demand = n * (throttled ? load.peakDemandUtilization : load.peakUtilization);
  const fc =
    cfg.forecast && history && now !== undefined
      ? forecastPeak(history, now, cfg.forecastMinutes * 60_000)
      : undefined;
  const explanation: Explanation = {
    rule: throttled ? 'throttled' : 'load',
    demandShards: round(demand),
    target: round(target),
    growth: round(headroom.growth),
    callsUsed: used,
  };
  if (throttledAt !== undefined) explanation.throttledAt = round(throttledAt);
  if (fc?.peak !== undefined) {
    explanation.forecastShards = round(fc.peak);
    explanation.forecastDays = fc.days;
  }
  // The day's predicted peak, for the budget. Only a forecast will do: the last 24 hours' peak
  // may be a one-off burst, and budgeting for its return holds a stream large for a day.
  if (cfg.budget && fc?.peak !== undefined && history && now !== undefined) {
    const day = forecastPeak(history, now, 24 * HOUR_MS).peak;
    if (day !== undefined) explanation.dayPeakShards = sized(day, cfg.targetUtilization);
  }
  // While demand is within what history predicts for the next hours, the forecast sizes the
  // stream, at the configured target: it already holds the growth it predicts. Demand above the
  // forecast is growth nobody predicted, and the learned headroom sizes it from the current level.
  const forecastCovers = fc?.peak !== undefined && demand <= fc.peak;
  if (forecastCovers) explanation.rule = 'forecast';
  let need = forecastCovers ? sized(fc.peak!, cfg.targetUtilization) : sized(demand, target);
  // A peak of the scale-down's lookback above what history predicts for the next hours (an evening
  // peak before the night, the tail of a one-off burst) is let go: the stream is sized for the
  // forecast, or for the last hour if that is higher.
  let expected = demand;
  if (input.direction === 'down' && !throttled && fc?.peak !== undefined && !forecastCovers) {
    const lastHour = history && now !== undefined ? recentPeak(history, now, HOUR_MS) : undefined;
    expected = Math.max(fc.peak, lastHour ?? 0);
    if (expected < demand) {
      need = sized(expected, cfg.targetUtilization);
      explanation.rule = 'forecast';
    }
  }
  // A scale-down never goes where the lookback's peak, unless it was a spike well above what is
  // expected, would come within 85% of a usage that throttled: a forecast of 5-minute averages
  // under-states the minutes that throttle, and a stream scaled down into a size that throttled
  // scales up again on the throttling and spends the day's calls on round trips.
  if (input.direction === 'down' && Number.isFinite(onset) && demand <= SPIKE_RATIO * expected) {
    need = Math.max(need, sized(demand, Math.max(MIN_ONSET_TARGET, ONSET_MARGIN * onset)));
  }

  if (input.direction === 'up') {
    // The alarm also fires on throttling alone. Throttling the current size fits at the target
    // (hot shards, bursty seconds) is worth one more shard; throttling from before the last
    // scaling took effect is the old size's, and scaling again for it spends a call for nothing.
    if (throttled && need <= n && !throttledSince(input.load, input.lastScalingAt)) {
      explanation.rule = 'hold';
      return {
        desired: n,
        reason: `${describe(explanation, input.direction, n)}; the records were throttled before the scaling at ${new Date(input.lastScalingAt!).toISOString()} took effect`,
        explanation,
      };
    }
    let desired = Math.max(n + 1, need);
    if (explanation.dayPeakShards !== undefined) {
      const stretched = upTarget({ used, peakShards: explanation.dayPeakShards }, n, desired);
      if (stretched > desired) {
        desired = stretched;
        explanation.rule = 'budget';
      }
    }
    return { desired, reason: describe(explanation, input.direction, n), explanation };
  }
  if (throttled) {
    explanation.rule = 'hold';
    return {
      desired: n,
      reason: `${load.throttledRecords} records were throttled in the last ${load.minutes} min; not scaling down`,
      explanation,
    };
  }
  const spiky = cfg.headroom && history && now !== undefined ? spikes(history, now) : undefined;
  if (need < n && spiky?.lastSpike !== undefined && spiky.earlierDays > 0) {
    explanation.rule = 'hold';
    return {
      desired: n,
      reason: `${describe(explanation, input.direction, n)}; a spike was throttled at ${new Date(spiky.lastSpike).toISOString()} and on ${spiky.earlierDays} earlier day(s): spikes recur, capacity kept for 24 hours`,
      explanation,
    };
  }
  let desired = need;
  if (desired < n && desired > Math.floor(n * (1 - MIN_SCALE_DOWN_STEP))) {
    explanation.rule = 'hold';
    return {
      desired: n,
      reason: `${describe(explanation, input.direction, n)}; ${desired} shards is less than ${pct(MIN_SCALE_DOWN_STEP)} below ${n}, not worth a call`,
      explanation,
    };
  }
  if (desired < n && explanation.dayPeakShards !== undefined) {
    const afford = downAffordable({ used, peakShards: explanation.dayPeakShards }, desired);
    explanation.callsReserved = afford.needed;
    if (!afford.ok) {
      explanation.rule = 'budget';
      desired = n;
      return {
        desired,
        reason: `${describe(explanation, input.direction, n)}; scaling down would leave ${afford.left} of ${SCALING_OPERATIONS_PER_DAY} calls, ${afford.needed} are needed to reach the day's predicted peak of ${explanation.dayPeakShards} shards`,
        explanation,
      };
    }
  }
  return { desired, reason: describe(explanation, input.direction, n), explanation };
}

const MINUTE_MS = 60_000;
/** Kept this far below the usage that throttled: the growth an alarm period and a resharding take. */
export const ONSET_MARGIN = 0.85;
/** A lookback peak this far above the forecast is a spike the let-go rule may let go. */
const SPIKE_RATIO = 1.25;
/** A single hot key can throttle a stream at any usage; below this, more shards do not help. */
const MIN_ONSET_TARGET = 0.25;
/** A minute throttled when this share of its records was refused (the scale-up alarm's share). */
const ONSET_SHARE = 0.001;

/**
 * The lowest usage of a minute in which the current size throttled: minutes before the last
 * scaling's own minute ran at the old size and are not counted.
 */
function throttleOnset(
  load: readonly MinuteLoad[] | undefined,
  lastScalingAt: number | undefined,
  n: number,
): number | undefined {
  let onset: number | undefined;
  for (const m of load ?? []) {
    if (lastScalingAt !== undefined && m.timestamp < lastScalingAt + MINUTE_MS) continue;
    if (m.throttledRecords < Math.max(1, ONSET_SHARE * (m.records + m.throttledRecords))) continue;
    const u = utilization(m.bytes, m.records, n);
    onset = Math.min(onset ?? u, u);
  }
  return onset;
}

/** Whether a minute that began after the last scaling's own minute throttled (or no scaling known). */
function throttledSince(load: readonly MinuteLoad[] | undefined, at: number | undefined): boolean {
  if (at === undefined || load === undefined) return true;
  return load.some((m) => m.timestamp >= at + MINUTE_MS && m.throttledRecords >= 1);
}

/** One readable line: the rule, then the figures it weighed. */
function describe(e: Explanation, direction: Direction, n: number): string {
  const parts = [
    `[${e.rule}] ${direction === 'up' ? 'peak demand' : 'peak usage'} ${e.demandShards} shards of ${n}`,
  ];
  if (e.forecastShards !== undefined) {
    parts.push(`forecast ${e.forecastShards} (${e.forecastDays} days)`);
  }
  parts.push(
    `sized for ${pct(e.target)}${e.growth > 1 ? ` (5-min growth x${e.growth.toFixed(2)})` : ''}`,
  );
  if (e.dayPeakShards !== undefined) parts.push(`day's peak needs ${e.dayPeakShards}`);
  parts.push(`${e.callsUsed}/${SCALING_OPERATIONS_PER_DAY} calls used`);
  return parts.join(', ');
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function decide(input: PolicyInput): Decision {
  const load = summarizeLoad(input.load, input.currentShards);
  const { desired, reason, explanation } = desiredShards(input, load);
  const limited = applyLimits({
    direction: input.direction,
    currentShards: input.currentShards,
    desired,
    config: input.config,
    operationsInLast24h: input.operationsInLast24h,
  });
  if (!limited.allowed) {
    return {
      action: 'none',
      desired,
      reason: `${reason}; ${limited.reason}`,
      load,
      boundBy: limited.boundBy,
      explanation,
    };
  }
  const bounds = limited.boundBy.length > 0 ? ` (bound by ${limited.boundBy.join(', ')})` : '';
  return {
    action: 'scale',
    target: limited.target,
    desired,
    reason: `${reason}: ${input.currentShards} -> ${limited.target} shards${bounds}`,
    load,
    boundBy: limited.boundBy,
    explanation,
  };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
