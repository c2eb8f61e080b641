import { describe, expect, it } from 'vitest';
import type { DemandHistory } from './forecast.js';
import {
  learnHeadroom,
  MIN_SAMPLES,
  MIN_TARGET,
  SPIKE_THROTTLED_SHARE,
  spikes,
} from './headroom.js';

const P = 300_000;
function series(values: number[]): DemandHistory {
  return { start: 0, periodMs: P, shards: values };
}
/** A day and a bit of 5-minute periods repeating `pattern`. */
function repeat(pattern: number[], periods = MIN_SAMPLES + 12): number[] {
  return Array.from({ length: periods }, (_, i) => pattern[i % pattern.length]!);
}

describe('learnHeadroom (table)', () => {
  it.each`
    case                                                  | values                                                      | ceiling | target        | growth
    ${'too little history: the configured target'}        | ${repeat([1, 2], 100)}                                      | ${0.6}  | ${0.6}        | ${1}
    ${'a steady stream keeps the configured target'}      | ${repeat([5])}                                              | ${0.6}  | ${0.6}        | ${1}
    ${'growing 20% per period lowers the target'}         | ${repeat([5, 6])}                                           | ${0.6}  | ${0.5}        | ${1.2}
    ${'doubling within 5 minutes: never below the floor'} | ${repeat([1, 4])}                                           | ${0.6}  | ${MIN_TARGET} | ${4}
    ${'idle flicker is not growth'}                       | ${repeat([0, 0.01, 0, 0.05])}                               | ${0.6}  | ${0.6}        | ${1}
    ${'idle to busy in one period is growth'}             | ${repeat([0, 0.01, 0, 10, 10, 10, 10, 10, 10, 10, 10, 10])} | ${0.6}  | ${MIN_TARGET} | ${20}
  `('$case', ({ values, ceiling, target, growth }) => {
    const h = learnHeadroom(series(values), ceiling);
    expect(h.target).toBeCloseTo(target, 5);
    expect(h.growth).toBeCloseTo(growth, 5);
  });
});

describe('spikes (table)', () => {
  const DAY = 86_400_000;
  const NOW = 8 * DAY;
  /** Eight days of periods, throttled at `share` in the periods that start at the given times. */
  function throttledAt(times: number[], share = 0.3): DemandHistory {
    const throttled = Array.from({ length: (8 * DAY) / P }, () => 0);
    for (const t of times) throttled[t / P] = share;
    return { start: 0, periodMs: P, shards: throttled.map(() => 1), throttled };
  }
  it.each`
    case                                                | history                                                                    | last                  | earlier
    ${'no throttling'}                                  | ${throttledAt([])}                                                         | ${undefined}          | ${0}
    ${'a first spike today: nothing earlier'}           | ${throttledAt([NOW - 3 * 3600_000])}                                       | ${NOW - 3 * 3600_000} | ${0}
    ${'a spike today and on two earlier days'}          | ${throttledAt([NOW - 2 * DAY - P, NOW - 5 * DAY, NOW - 3600_000])}         | ${NOW - 3600_000}     | ${2}
    ${'earlier spikes only: none in the last 24 hours'} | ${throttledAt([NOW - 2 * DAY, NOW - 3 * DAY])}                             | ${undefined}          | ${2}
    ${'a trickle of throttling is not a spike'}         | ${throttledAt([NOW - DAY - P, NOW - 600_000], SPIKE_THROTTLED_SHARE / 10)} | ${undefined}          | ${0}
  `('$case', ({ history, last, earlier }) => {
    const s = spikes(history, NOW);
    expect(s.lastSpike).toBe(last);
    expect(s.earlierDays).toBe(earlier);
  });
});
