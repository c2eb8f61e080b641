/**
 * Standing headroom that learns. A stream is only safe from throttling if its spare capacity
 * covers how fast its demand can grow before a scale-up lands (an alarm minute, a metric minute
 * and the resharding: about five minutes). How fast that is, each stream's own history says: the
 * growth from one 5-minute period to the next, at a high percentile. A steady stream is sized
 * close to the configured ceiling; one that jumps by 2x within five minutes keeps 2x.
 */
import type { DemandHistory } from './forecast.js';

export interface Headroom {
  /** Utilisation to size for after a scaling. */
  target: number;
  /** The growth over one history period that the target covers (1 = none measured). */
  growth: number;
  /** Periods of history the growth was measured on. */
  samples: number;
}

/**
 * The lowest target. Well above the scale-down alarm's 25%: sized any closer, the alarm fires for a
 * step too small to be worth a call, and is refused every minute.
 */
export const MIN_TARGET = 0.4;
/** The percentile of period-to-period growth the headroom covers. */
export const GROWTH_PERCENTILE = 0.99;
/** At least a day of 5-minute periods before the history is believed. */
export const MIN_SAMPLES = 288;
/**
 * Growth from a level this small (as a fraction of the history's peak, and in shards) is noise:
 * idle to slightly-less-idle is a large ratio and no load.
 */
const NOISE_FRACTION = 0.05;
const NOISE_SHARDS = 0.1;

/**
 * The target utilisation for this stream: the configured one (the ceiling) divided by the growth
 * the history shows, never below MIN_TARGET.
 */
export function learnHeadroom(h: DemandHistory, ceiling: number): Headroom {
  let peak = 0;
  for (const x of h.shards) peak = Math.max(peak, x);
  const floor = Math.max(peak * NOISE_FRACTION, NOISE_SHARDS);
  const growths: number[] = [];
  for (let i = 1; i < h.shards.length; i++) {
    const prev = h.shards[i - 1]!;
    const next = h.shards[i]!;
    if (peak <= 0) break;
    growths.push(next / Math.max(prev, floor));
  }
  if (growths.length < MIN_SAMPLES) return { target: ceiling, growth: 1, samples: growths.length };
  growths.sort((a, b) => a - b);
  const growth = Math.max(
    1,
    growths[Math.min(growths.length - 1, Math.floor(GROWTH_PERCENTILE * growths.length))]!,
  );
  const target = Math.min(ceiling, Math.max(MIN_TARGET, ceiling / growth));
  return { target, growth, samples: growths.length };
}

/**
 * A period in which at least this share of the records was throttled is a spike the stream could
 * not take. Well above the trickle that bursty seconds on a hot shard cost a stream run near its
 * target (a few tenths of a percent), well below what a spike costs (tens of percent).
 */
export const SPIKE_THROTTLED_SHARE = 0.02;
const DAY_MS = 86_400_000;

export interface Spikes {
  /** Start of the last spike period within the 24 hours before `now`, if any. */
  lastSpike?: number;
  /** Earlier days (24-hour spans before the last 24 hours) that had a spike. */
  earlierDays: number;
}

/**
 * Spikes in the stream's history. Spikes that come back on other days come back within the day
 * too (news traffic, request storms): a stream that had them before and had one today keeps its
 * capacity for a day. A first spike does not: one burst in a week is let go.
 */
export function spikes(h: DemandHistory, now: number): Spikes {
  const days = new Set<number>();
  let lastSpike: number | undefined;
  const throttled = h.throttled ?? [];
  for (let i = 0; i < throttled.length; i++) {
    if (throttled[i]! < SPIKE_THROTTLED_SHARE) continue;
    const t = h.start + i * h.periodMs;
    const day = Math.floor((now - t) / DAY_MS);
    if (day === 0) lastSpike = t;
    else if (day > 0) days.add(day);
  }
  return lastSpike === undefined
    ? { earlierDays: days.size }
    : { lastSpike, earlierDays: days.size };
}
