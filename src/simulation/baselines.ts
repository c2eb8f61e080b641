/**
 * Baselines computed straight from the demand series, without the emulator: what the trace would
 * cost and lose under on-demand mode, a fixed stream sized for the peak, and a perfect oracle.
 */
import { boundBaseline } from './bound.js';
import { acceptedFraction, MINUTE_MS, shardsFor, shardUnits, type DemandSeries } from './trace.js';
import { emptySeries, type MinuteSeries, type RunResult, type ScalingEvent } from './types.js';

/** A new on-demand stream starts at 4 MB/s (4 shard-equivalents). */
export const ON_DEMAND_MIN_UNITS = 4;
/** On-demand accommodates up to double the peak of the previous 30 days. */
export const ON_DEMAND_WINDOW_MINUTES = 30 * 24 * 60;
/**
 * AWS throttles traffic that more than doubles the previous peak *within 15 minutes*: growth that
 * takes longer is absorbed as capacity follows. So the peak that sets minute i's capacity is the
 * one reached at least this many minutes earlier.
 */
export const ON_DEMAND_ADAPT_MINUTES = 15;

/** Fills a series where minute i has `capacity[i]` shard-equivalents, throttling the excess. */
function fillSeries(demand: DemandSeries, capacity: (i: number) => number): MinuteSeries {
  const s = emptySeries(demand.minutes);
  for (let i = 0; i < demand.minutes; i++) {
    const b = demand.bytesPerSecond[i]!;
    const r = demand.recordsPerSecond[i]!;
    const cap = capacity(i);
    const f = acceptedFraction(shardUnits(b, r), cap);
    s.offeredRecords[i] = r * 60;
    s.acceptedRecords[i] = r * 60 * f;
    s.throttledRecords[i] = r * 60 - r * 60 * f;
    s.acceptedBytes[i] = b * 60 * f;
    s.capacityUnits[i] = cap;
  }
  return s;
}

/**
 * On-demand: capacity = max(4, 2 x the highest per-minute write rate accepted between 30 days and
 * 15 minutes ago), in shard-equivalents. Traffic can thus double the previous peak at once, and
 * grow further by doubling every 15 minutes, but a jump to more than twice the peak of 15 minutes
 * ago is throttled. The per-minute average stands in for AWS's (unpublished) peak measure. The
 * windowed maximum is kept with a monotonic deque, so the whole series is O(minutes).
 */
export function onDemandBaseline(demand: DemandSeries): RunResult {
  const accepted = new Float64Array(demand.minutes);
  const deque: number[] = [];
  let head = 0;
  const series = fillSeries(demand, (i) => {
    const entering = i - ON_DEMAND_ADAPT_MINUTES;
    if (entering >= 0) {
      while (deque.length > head && accepted[deque[deque.length - 1]!]! <= accepted[entering]!) {
        deque.pop();
      }
      deque.push(entering);
    }
    while (head < deque.length && deque[head]! < i - ON_DEMAND_WINDOW_MINUTES) head++;
    const peak = head < deque.length ? accepted[deque[head]!]! : 0;
    const cap = Math.max(ON_DEMAND_MIN_UNITS, 2 * peak);
    const units = shardUnits(demand.bytesPerSecond[i]!, demand.recordsPerSecond[i]!);
    accepted[i] = Math.min(units, cap);
    return cap;
  });
  return {
    label: 'on-demand',
    kind: 'baseline',
    pricing: 'on-demand',
    demand,
    series,
    scalingEvents: [],
    description:
      'on-demand mode: capacity max(4 MiB/s, 2 x the per-minute peak between 30 days and 15 minutes ago); priced per stream-hour, GB written (records rounded up to 1 KB) and GB read per consumer',
  };
}

/** A fixed provisioned stream with the fewest shards that carry the trace's peak minute. */
export function staticPeakBaseline(demand: DemandSeries): RunResult {
  let shards = 1;
  for (let i = 0; i < demand.minutes; i++) {
    shards = Math.max(shards, shardsFor(demand.bytesPerSecond[i]!, demand.recordsPerSecond[i]!));
  }
  return {
    label: 'static-peak',
    kind: 'baseline',
    pricing: 'provisioned',
    demand,
    series: fillSeries(demand, () => shards),
    scalingEvents: [],
    description: `a fixed ${shards} shards, the fewest that carry the peak minute`,
  };
}

/**
 * Perfect foresight: every minute has the fewest shards that carry it, resharded instantly. A lower
 * bound on provisioned cost, not an achievable policy: it ignores the 10 UpdateShardCount calls per
 * 24 hours, the 2x / half step rule and the resharding time.
 */
export function oracleBaseline(demand: DemandSeries): RunResult {
  const shards = new Float64Array(demand.minutes);
  const events: ScalingEvent[] = [];
  for (let i = 0; i < demand.minutes; i++) {
    shards[i] = shardsFor(demand.bytesPerSecond[i]!, demand.recordsPerSecond[i]!);
    if (i > 0 && shards[i] !== shards[i - 1]) {
      events.push({
        at: demand.startMs + i * MINUTE_MS,
        from: shards[i - 1]!,
        to: shards[i]!,
        direction: shards[i]! > shards[i - 1]! ? 'up' : 'down',
      });
    }
  }
  return {
    label: 'oracle',
    kind: 'baseline',
    pricing: 'provisioned',
    demand,
    series: fillSeries(demand, (i) => shards[i]!),
    scalingEvents: events,
    description:
      'perfect foresight: the fewest shards for each minute; ignores the 10-per-24h limit, the 2x/half rule and resharding time (a lower bound)',
  };
}

export function baselines(demand: DemandSeries): RunResult[] {
  return [
    onDemandBaseline(demand),
    staticPeakBaseline(demand),
    oracleBaseline(demand),
    boundBaseline(demand),
  ];
}
