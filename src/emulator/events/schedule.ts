import awsCronParser from 'aws-cron-parser';

/**
 * EventBridge schedule expressions (EventBridge User Guide, "Schedule expressions for rules"):
 * `rate(value unit)` with a singular unit for 1 and a plural one otherwise, and six-field
 * `cron(minutes hours day-of-month month day-of-week year)` in UTC, where one of the two day fields
 * must be `?`. Schedules have minute granularity.
 */
export interface Schedule {
  /** The first firing time strictly after `after` (epoch ms), or undefined if none is left. */
  next(after: number): number | undefined;
}

const MINUTE = 60_000;
const UNITS: Record<string, number> = {
  minute: MINUTE,
  minutes: MINUTE,
  hour: 60 * MINUTE,
  hours: 60 * MINUTE,
  day: 24 * 60 * MINUTE,
  days: 24 * 60 * MINUTE,
};

const MONTHS = 'JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC';
const DAYS = 'SUN|MON|TUE|WED|THU|FRI|SAT';
const list = (item: string) => new RegExp(`^(\\*|${item})(/\\d+)?(,(${item})(/\\d+)?)*$`, 'i');
const range = (atom: string) => `(${atom})(-(${atom}))?`;
const FIELDS = [
  list(range('\\d{1,2}')),
  list(range('\\d{1,2}')),
  /^(\?|L|LW|\d{1,2}W|(\*|\d{1,2}(-\d{1,2})?)(\/\d+)?(,(\*|\d{1,2}(-\d{1,2})?)(\/\d+)?)*)$/i,
  list(range(`\\d{1,2}|${MONTHS}`)),
  new RegExp(
    `^(\\?|L|(${DAYS}|\\d)L|(${DAYS}|\\d)#[1-5]|${list(range(`\\d|${DAYS}`)).source.slice(1, -1)})$`,
    'i',
  ),
  list(range('\\d{4}')),
];
const LIMITS: Array<[number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [1, 7],
  [1970, 2199],
];

/** Parses a ScheduleExpression; returns undefined when it is not valid. */
export function parseSchedule(expression: string, start: number): Schedule | undefined {
  const rate = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    // AWS refuses `rate(1 minutes)` and `rate(5 minute)`.
    if (value < 1 || (value === 1) !== !unit.endsWith('s')) return undefined;
    const period = value * UNITS[unit]!;
    // The first run is one period after the rule starts, on a minute boundary.
    const first = Math.floor((start + period) / MINUTE) * MINUTE;
    return {
      next: (after) =>
        after < first ? first : first + (Math.floor((after - first) / period) + 1) * period,
    };
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) return undefined;
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  if (!fields.every((f, i) => FIELDS[i]!.test(f) && numbersWithin(f, LIMITS[i]!))) return undefined;
  // One of day-of-month and day-of-week must be `?`, not both.
  if ((fields[2] === '?') === (fields[4] === '?')) return undefined;
  let parsed: ReturnType<typeof awsCronParser.parse>;
  try {
    parsed = awsCronParser.parse(fields.join(' '));
  } catch {
    return undefined;
  }
  return {
    next: (after) => {
      // The parser works in whole minutes: step from the minute `after` falls in.
      const from = new Date(Math.floor(after / MINUTE) * MINUTE);
      const next = awsCronParser.next(parsed, from);
      return next ? next.getTime() : undefined;
    },
  };
}

/** Plain numbers in a field (not step sizes or `#n`) must be within the field's range. */
function numbersWithin(field: string, [min, max]: [number, number]): boolean {
  const stripped = field.replace(/\/\d+/g, '').replace(/#\d/g, '');
  for (const m of stripped.matchAll(/\d+/g)) {
    const n = Number(m[0]);
    if (n < min || n > max) return false;
  }
  return true;
}
