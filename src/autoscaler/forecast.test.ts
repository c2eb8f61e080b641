import { describe, expect, it } from 'vitest';
import { forecastPeak, type DemandHistory } from './forecast.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const P = 300_000;

/** `days` of 5-minute history ending at `now`, demand given by the hour of day and day index. */
function history(days: number, shape: (hour: number, day: number) => number): DemandHistory {
  const now = 100 * DAY;
  const start = now - days * DAY;
  const shards: number[] = [];
  for (let t = start; t < now; t += P) {
    shards.push(shape(Math.floor((t % DAY) / HOUR), Math.floor((t - start) / DAY)));
  }
  return { start, periodMs: P, shards };
}
const NOW = 100 * DAY;
/** Busy from 09:00 to 17:00 (10 shards), 2 shards otherwise. */
const office = (h: number) => (h >= 9 && h < 17 ? 10 : 2);

describe('forecastPeak (table)', () => {
  it.each`
    case                                                    | days | shape                                                                           | at                 | horizonH | peak         | used
    ${'no history, no forecast'}                            | ${0} | ${office}                                                                       | ${NOW}             | ${2}     | ${undefined} | ${0}
    ${'one day is not enough'}                              | ${1} | ${office}                                                                       | ${NOW}             | ${2}     | ${undefined} | ${0}
    ${'a ramp ahead at 08:00 is predicted'}                 | ${8} | ${office}                                                                       | ${NOW - 16 * HOUR} | ${2}     | ${10}        | ${7}
    ${'at 16:00 one busy hour is still ahead'}              | ${8} | ${office}                                                                       | ${NOW - 8 * HOUR}  | ${2}     | ${10}        | ${7}
    ${'at 17:00 the evening trough is ahead'}               | ${8} | ${office}                                                                       | ${NOW - 7 * HOUR}  | ${2}     | ${2}         | ${7}
    ${'the night stays quiet'}                              | ${8} | ${office}                                                                       | ${NOW - 4 * HOUR}  | ${2}     | ${2}         | ${7}
    ${'one day with a spike is outvoted'}                   | ${8} | ${(h: number, d: number) => (d === 6 && h === 1 ? 40 : office(h))}              | ${NOW - 16 * HOUR} | ${2}     | ${10}        | ${7}
    ${'of two days, a one-off spike is not half-predicted'} | ${4} | ${(h: number, d: number) => (d === 2 && h === 1 ? 40 : office(h))}              | ${NOW - 24 * HOUR} | ${24}    | ${10}        | ${2}
    ${'a spike on two of seven days is predicted'}          | ${8} | ${(h: number, d: number) => ((d === 2 || d === 5) && h === 9 ? 30 : office(h))} | ${NOW - 16 * HOUR} | ${2}     | ${30}        | ${7}
    ${'a stream twice as busy today scales history'}        | ${8} | ${(h: number, d: number) => office(h) * (d === 7 ? 2 : 1)}                      | ${NOW - 16 * HOUR} | ${2}     | ${20}        | ${7}
  `('$case', ({ days, shape, at, horizonH, peak, used }) => {
    const h = history(days, shape);
    // Only the history before `at` is what the policy would have seen.
    const seen: DemandHistory = {
      ...h,
      shards: h.shards.slice(0, Math.max(0, Math.floor((at - h.start) / P))),
    };
    const f = forecastPeak(seen, at, horizonH * HOUR);
    expect(f.days).toBe(used);
    if (peak === undefined) expect(f.peak).toBeUndefined();
    else expect(f.peak).toBeCloseTo(peak, 5);
  });
});
