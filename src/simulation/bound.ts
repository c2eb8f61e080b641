/**
 * `bound`: the cheapest provisioned schedule that loses no record, with perfect foresight, that
 * obeys Kinesis's step rule (each UpdateShardCount at most doubles or halves, rounding up) and its
 * quota of 10 calls per rolling 24 hours. It is a lower bound on what any policy can cost without
 * losing records, and unlike the per-minute oracle it is one a policy could come close to.
 *
 * The rolling-day quota needs the times of the last ten calls as state, so the dynamic programme
 * solves a relaxation instead, and the relaxation is what makes it a bound:
 *
 * 1. Calendar days. Any schedule with at most 10 calls in every rolling 24 hours has at most 10 in
 *    every UTC day (a day is one such window). So the cheapest schedule under "10 per calendar day"
 *    costs no more than the cheapest under the rolling rule.
 * 2. Constant-need intervals. Split the trace where the per-minute need (shards that carry the
 *    minute's demand) changes and at UTC midnights. Map any feasible schedule s(t) to one count per
 *    interval, c_I = min of s over I: c_I >= need (no loss), sum c_I x |I| <= the schedule's
 *    shard-minutes, and going from c_I to c_J takes at least steps(c_I, c_J) calls of the schedule
 *    between the two minima, which lie in I's day or J's. The programme charges those calls to I's
 *    day first and the rest to J's, the most lenient split; so its optimum is at most the cost of
 *    any feasible schedule.
 * 3. Instant resharding and the per-minute mean demand spread evenly over the shards: a real
 *    schedule also pays resharding time, sub-minute bursts and hot shards, which only raise what a
 *    no-loss schedule needs.
 * The programme is exact for the relaxed problem: O(intervals x C^2 x 11) for C = the peak need.
 */
import { initialShardsFor } from './loop.js';
import { acceptedFraction, MINUTE_MS, shardsFor, shardUnits, type DemandSeries } from './trace.js';
import { emptySeries, type RunResult, type ScalingEvent } from './types.js';

export const OPERATIONS_PER_DAY = 10;
const DAY_MS = 86_400_000;
const K = OPERATIONS_PER_DAY + 1;

/** The fewest UpdateShardCount calls from `from` to `to` open shards (x2 up, ceil(n/2) down). */
export function stepsBetween(from: number, to: number): number {
  let n = from;
  let steps = 0;
  while (n < to) {
    n *= 2;
    steps++;
  }
  while (n > to && from > to) {
    n = Math.ceil(n / 2);
    steps++;
  }
  return steps;
}

/** The counts a single call can reach from n, in order, for the schedule's events. */
function path(from: number, to: number): number[] {
  const out: number[] = [];
  let n = from;
  while (n !== to) {
    n = to > n ? Math.min(to, n * 2) : Math.max(to, Math.ceil(n / 2));
    out.push(n);
  }
  return out;
}

interface Interval {
  start: number;
  length: number;
  need: number;
  /** True when this interval starts a new UTC day (its calls may use the new day's quota). */
  newDay: boolean;
}

export function needIntervals(demand: DemandSeries): Interval[] {
  const out: Interval[] = [];
  let prevDay = Math.floor(demand.startMs / DAY_MS);
  for (let i = 0; i < demand.minutes; i++) {
    const need = shardsFor(demand.bytesPerSecond[i]!, demand.recordsPerSecond[i]!);
    const day = Math.floor((demand.startMs + i * MINUTE_MS) / DAY_MS);
    const last = out[out.length - 1];
    if (last && last.need === need && day === prevDay) last.length++;
    else out.push({ start: i, length: 1, need, newDay: day !== prevDay });
    prevDay = day;
  }
  return out;
}

export interface BoundSchedule {
  /** Open shards in each minute. */
  shards: Int32Array;
  shardMinutes: number;
  /** Calls, one event each (a jump of more than x2 is several calls at the same instant). */
  events: ScalingEvent[];
}

/** Solves the relaxed problem exactly and returns an optimal schedule. */
export function boundSchedule(demand: DemandSeries, initialShards: number): BoundSchedule {
  const intervals = needIntervals(demand);
  const C = Math.max(initialShards, ...intervals.map((v) => v.need));
  const steps = new Uint8Array((C + 1) * (C + 1));
  for (let a = 1; a <= C; a++)
    for (let b = 1; b <= C; b++) steps[a * (C + 1) + b] = stepsBetween(a, b);
  const S = (C + 1) * K;
  let cost = new Float64Array(S).fill(Infinity);
  let next = new Float64Array(S);
  // Parent state of each (interval, count, calls) as count * K + calls; 0xffff = unreachable.
  const parent = new Uint16Array(intervals.length * S);
  if ((C + 1) * K > 0xffff) throw new RangeError(`bound: ${C} shards is beyond this programme`);
  cost[initialShards * K] = 0;
  let prevCounts = [initialShards];
  for (let j = 0; j < intervals.length; j++) {
    const iv = intervals[j]!;
    next.fill(Infinity);
    const base = j * S;
    parent.fill(0xffff, base, base + S);
    for (let c2 = iv.need; c2 <= C; c2++) {
      const add = c2 * iv.length;
      for (const c1 of prevCounts) {
        const ops = steps[c1 * (C + 1) + c2]!;
        for (let k1 = 0; k1 < K; k1++) {
          const from = cost[c1 * K + k1]!;
          if (from === Infinity) continue;
          let k2: number;
          if (iv.newDay && j > 0) k2 = Math.max(0, ops - (OPERATIONS_PER_DAY - k1));
          else k2 = k1 + ops;
          if (k2 > OPERATIONS_PER_DAY) continue;
          const total = from + add;
          const at = c2 * K + k2;
          if (total < next[at]!) {
            next[at] = total;
            parent[base + at] = c1 * K + k1;
          }
        }
      }
    }
    [cost, next] = [next, cost];
    const counts: number[] = [];
    for (let c = 1; c <= C; c++) {
      for (let k = 0; k < K; k++) {
        if (cost[c * K + k]! < Infinity) {
          counts.push(c);
          break;
        }
      }
    }
    prevCounts = counts;
    if (counts.length === 0) throw new Error(`bound: no feasible schedule by minute ${iv.start}`);
  }
  let best = 0;
  for (let s = 1; s < S; s++) if (cost[s]! < cost[best]!) best = s;
  const shardMinutes = cost[best]!;
  const counts = new Int32Array(intervals.length);
  for (let j = intervals.length - 1, s = best; j >= 0; j--) {
    counts[j] = Math.floor(s / K);
    s = parent[j * S + s]!;
  }
  const shards = new Int32Array(demand.minutes);
  const events: ScalingEvent[] = [];
  let prev = initialShards;
  intervals.forEach((iv, j) => {
    const c = counts[j]!;
    shards.fill(c, iv.start, iv.start + iv.length);
    let from = prev;
    for (const to of path(prev, c)) {
      events.push({
        at: demand.startMs + iv.start * MINUTE_MS,
        from,
        to,
        direction: to > from ? 'up' : 'down',
      });
      from = to;
    }
    prev = c;
  });
  return { shards, shardMinutes, events };
}

export function boundBaseline(demand: DemandSeries): RunResult {
  const { shards, events } = boundSchedule(demand, initialShardsFor(demand));
  const series = emptySeries(demand.minutes);
  for (let i = 0; i < demand.minutes; i++) {
    const b = demand.bytesPerSecond[i]!;
    const r = demand.recordsPerSecond[i]!;
    const f = acceptedFraction(shardUnits(b, r), shards[i]!);
    series.offeredRecords[i] = r * 60;
    series.acceptedRecords[i] = r * 60 * f;
    series.throttledRecords[i] = r * 60 * (1 - f);
    series.acceptedBytes[i] = b * 60 * f;
    series.capacityUnits[i] = shards[i]!;
  }
  return {
    label: 'bound',
    kind: 'baseline',
    pricing: 'provisioned',
    demand,
    series,
    scalingEvents: events,
    description:
      'lower bound: the cheapest no-loss schedule with perfect foresight under x2/half per call and 10 calls per UTC day (a relaxation of 10 per rolling 24 h), resharding instantly',
  };
}
