/**
 * The 10 UpdateShardCount calls of a rolling 24 hours, spent as a budget. Each call at most doubles
 * the stream, so reaching a predicted peak from a given size takes a known number of calls; a
 * scale-down that would leave fewer than that waits, and a scale-up made with few calls left goes
 * further than the minimum, so the day's ramps can still be followed.
 */
import { SCALING_OPERATIONS_PER_DAY } from './config.js';

/** Calls (each at most x2) to grow from `from` to `to` shards. */
export function doublingsNeeded(from: number, to: number): number {
  if (to <= from || from <= 0) return 0;
  return Math.ceil(Math.log2(to / from) - 1e-9);
}

export interface BudgetInput {
  /** UpdateShardCount calls in the 24 hours before now. */
  used: number;
  /** Shards the predicted peak of the next 24 hours needs. */
  peakShards: number;
}

/** Calls a scale-down always leaves free for scale-ups, whatever the prediction. */
export const MIN_RESERVE = 1;

/**
 * Whether a scale-down to `target` leaves enough calls to climb back to the predicted peak, and how
 * many it would need.
 */
export function downAffordable(
  input: BudgetInput,
  target: number,
): { ok: boolean; left: number; needed: number } {
  const left = SCALING_OPERATIONS_PER_DAY - input.used - 1;
  const needed = Math.max(MIN_RESERVE, doublingsNeeded(target, input.peakShards));
  return { ok: left >= needed, left, needed };
}

/**
 * The smallest scale-up target from `proposed` to `2n` after which the calls left still reach the
 * predicted peak; 2n when none does (spend the most this call can).
 */
export function upTarget(input: BudgetInput, n: number, proposed: number): number {
  const left = SCALING_OPERATIONS_PER_DAY - input.used - 1;
  if (doublingsNeeded(proposed, input.peakShards) <= left) return proposed;
  const enough = Math.ceil(input.peakShards / 2 ** Math.max(0, left) - 1e-9);
  return Math.max(proposed, Math.min(2 * n, enough));
}
