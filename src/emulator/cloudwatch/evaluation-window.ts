/**
 * Where an alarm's evaluation window ends (CloudWatch User Guide, "Alarm evaluation window").
 * `SlidingWindow`, the default, advances at every evaluation: the alarm is evaluated every minute
 * over the most recent Period x EvaluationPeriods, so a five-minute alarm reacts within a minute of
 * the data, not at the next five-minute boundary. `WallClockWindow` aligns the window to clock
 * boundaries of the period (top of the hour, midnight, Monday 00:00) in a time zone, UTC by default.
 */
import { err } from './checks.js';

/** The API's union, as PutMetricAlarm takes it and DescribeAlarms returns it. */
export interface ApiEvaluationWindow {
  SlidingWindow?: Record<string, never> | undefined;
  WallClockWindow?: { Timezone?: string | undefined } | undefined;
}

export interface WindowRule {
  /** The API form to describe the alarm with, or undefined when the request left it unset. */
  readonly described: ApiEvaluationWindow | undefined;
  /** The end (exclusive) of the newest period to evaluate when the data is complete up to `t`. */
  end(t: number, periodMs: number): number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** 1970-01-01 was a Thursday; calendar weeks start on Monday 1970-01-05. */
const FIRST_MONDAY = 4 * DAY;
/** The periods AWS accepts with a wall clock window, in seconds. */
const WALL_CLOCK_PERIODS = [60, 300, 3600, 86_400, 604_800];

const SLIDING: WindowRule = {
  described: undefined,
  // Evaluated every minute; high-resolution periods divide the minute, so they align to themselves.
  end: (t, periodMs) => {
    const step = Math.min(periodMs, MINUTE);
    return Math.floor(t / step) * step;
  },
};

/**
 * Validates the request's `EvaluationWindow` against the alarm's period (seconds) and returns the
 * rule that places its windows.
 */
export function evaluationWindowRule(
  input: ApiEvaluationWindow | undefined,
  periodSeconds: number,
): WindowRule {
  if (input === undefined) return SLIDING;
  const members = (['SlidingWindow', 'WallClockWindow'] as const).filter(
    (k) => input[k] !== undefined,
  );
  if (members.length !== 1) {
    throw err(
      'ValidationError',
      `EvaluationWindow is a union: set exactly one of SlidingWindow and WallClockWindow (got ${members.length === 0 ? 'neither' : 'both'}).`,
    );
  }
  if (input.SlidingWindow !== undefined) return { ...SLIDING, described: { SlidingWindow: {} } };
  if (!WALL_CLOCK_PERIODS.includes(periodSeconds)) {
    throw err(
      'ValidationError',
      `A WallClockWindow needs the alarm's period to be 60, 300, 3600, 86400 or 604800 seconds (got ${periodSeconds}).`,
    );
  }
  const timezone = input.WallClockWindow!.Timezone;
  const offset = timezone === undefined ? () => 0 : zoneOffset(timezone);
  return {
    described: { WallClockWindow: timezone === undefined ? {} : { Timezone: timezone } },
    end: (t, periodMs) => wallClockEnd(t, periodMs, offset),
  };
}

/** The latest period boundary at or before `t`, counted in the zone's local time. */
function wallClockEnd(t: number, periodMs: number, offset: (t: number) => number): number {
  const anchor = periodMs === WEEK ? FIRST_MONDAY : 0;
  const boundary = (o: number) => Math.floor((t + o - anchor) / periodMs) * periodMs + anchor - o;
  let b = boundary(offset(t));
  // Across a daylight-saving change the boundary lies under the other offset.
  const atBoundary = offset(b);
  if (atBoundary !== offset(t)) b = boundary(atBoundary);
  return b > t ? b - periodMs : b;
}

const FIXED_OFFSET = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/;

/**
 * The zone's UTC offset (ms) at a time. Accepts what AWS documents: an IANA name
 * (America/New_York), a fixed offset (+05:30) or an offset-prefixed id (UTC+05:30), offsets in
 * multiples of 5 minutes.
 */
function zoneOffset(timezone: string): (t: number) => number {
  const invalid = (why: string) =>
    err(
      'ValidationError',
      `Invalid value '${timezone}' for EvaluationWindow.WallClockWindow.Timezone: ${why}.`,
    );
  if (timezone.length < 1 || timezone.length > 50) throw invalid('length must be 1 to 50');
  if (/^(UTC|GMT)$/i.test(timezone)) return () => 0;
  const fixed = FIXED_OFFSET.exec(timezone);
  if (fixed) {
    const minutes = Number(fixed[2]) * 60 + Number(fixed[3] ?? 0);
    if (Number(fixed[3] ?? 0) >= 60 || minutes > 14 * 60) throw invalid('not a UTC offset');
    if (minutes % 5 !== 0) throw invalid('the offset must be a multiple of 5 minutes');
    const ms = (fixed[1] === '-' ? -1 : 1) * minutes * MINUTE;
    return () => ms;
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' });
  } catch {
    throw invalid(
      'use an IANA time zone name (America/New_York), a UTC offset (+05:30) or UTC+05:30',
    );
  }
  return (t) => {
    const name = format.formatToParts(t).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
    if (!m) return 0;
    return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * MINUTE;
  };
}
