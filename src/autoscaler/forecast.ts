/**
 * Seasonal forecast from the stream's own history. Most streams repeat daily and weekly, so what
 * the same hours of the previous days carried says what the next hours will carry. Each previous
 * day's figure is scaled by how today's level compares with that day's at the same time (a weekend
 * day, or a growing stream, is not a copy of last Tuesday), and taking the second highest of the days
 * keeps one day's one-off spike from being taken for a pattern.
 */

/** Demand in shards per history period, oldest first; `start` is the first period's start. */
export interface DemandHistory {
  start: number;
  periodMs: number;
  shards: readonly number[];
  /** Share of each period's records that were throttled (0..1), when known. */
  throttled?: readonly number[];
}

export interface Forecast {
  /** Predicted peak demand (shards) over the horizon; undefined without enough history. */
  peak: number | undefined;
  /** How many previous days contributed. */
  days: number;
  /** The current level (mean demand over the last hour) the previous days were scaled to. */
  level: number;
}

/** Previous days the forecast reads: a week and one day, so the same weekday counts too. */
export const FORECAST_DAYS = 7;
/** Days of history needed before a forecast is trusted. */
export const MIN_FORECAST_DAYS = 2;
/** How far today's level may scale a previous day, either way. */
const LEVEL_CLAMP = 2;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function indexOf(h: DemandHistory, t: number): number {
  return Math.floor((t - h.start) / h.periodMs);
}

function rangeStats(
  h: DemandHistory,
  from: number,
  to: number,
): { max: number; mean: number } | undefined {
  const a = Math.max(0, indexOf(h, from));
  const b = Math.min(h.shards.length, indexOf(h, to));
  if (indexOf(h, from) < 0 || b <= a) return undefined;
  let max = 0;
  let sum = 0;
  for (let i = a; i < b; i++) {
    max = Math.max(max, h.shards[i]!);
    sum += h.shards[i]!;
  }
  return { max, mean: sum / (b - a) };
}

/** The highest demand of the history's periods in [now - span, now); undefined without any. */
export function recentPeak(h: DemandHistory, now: number, spanMs: number): number | undefined {
  return rangeStats(h, Math.max(h.start, now - spanMs), now)?.max;
}

/**
 * A peak counts as a pattern once two of the previous days had it: the second highest of the days'
 * figures. The highest would take a one-off burst for a pattern; the lower median missed the spikes
 * of a stream whose spikes come most days but not every day (ELB requests: 0.43% of records lost
 * against 0.28%, for 2% less cost).
 */
function secondHighest(xs: number[]): number {
  const s = [...xs].sort((a, b) => b - a);
  return s[Math.min(1, s.length - 1)]!;
}

/**
 * The peak demand history predicts for [now, now + horizon). Undefined (no forecast) until
 * MIN_FORECAST_DAYS previous days cover the horizon.
 */
export function forecastPeak(h: DemandHistory, now: number, horizonMs: number): Forecast {
  const current = rangeStats(h, now - HOUR_MS, now);
  const level = current?.mean ?? 0;
  const scaled: number[] = [];
  for (let d = 1; d <= FORECAST_DAYS; d++) {
    const then = now - d * DAY_MS;
    const ahead = rangeStats(h, then, then + horizonMs);
    const before = rangeStats(h, then - HOUR_MS, then);
    if (!ahead || !before) continue;
    // A quiet hour before (an idle night) gives no level to compare with: take the day as it was.
    const ratio =
      before.mean > 0 && level > 0
        ? Math.min(LEVEL_CLAMP, Math.max(1 / LEVEL_CLAMP, level / before.mean))
        : 1;
    scaled.push(ahead.max * ratio);
  }
  if (scaled.length < MIN_FORECAST_DAYS) return { peak: undefined, days: scaled.length, level };
  return { peak: secondHighest(scaled), days: scaled.length, level };
}
