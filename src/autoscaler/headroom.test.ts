import { describe, expect, it } from 'vitest';
import type { DemandHistory } from './forecast.js';
import { learnHeadroom, MIN_SAMPLES, MIN_TARGET } from './headroom.js';

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
