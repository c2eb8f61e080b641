import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  operationsInLastDay,
  throttleOnsetOf,
  type ScalingLogEntry,
} from './scaling-log.js';

const T = Date.UTC(2026, 11, 2, 12);

function entry(msBefore: number, throttledAt?: number): ScalingLogEntry {
  return {
    stream_name: 's',
    scaling_datetime: new Date(T - msBefore).toISOString(),
    shard_count: 4,
    target_shard_count: 5,
    scaling_type: 'SCALE_UP',
    reason: 'test',
    utilization: 0.5,
    demand_utilization: 0.5,
    throttled_records: 0,
    alarm_name: 'kinesis-autoscaler-s-scale-up',
    event_id: 'e',
    expires_at: 0,
    ...(throttledAt === undefined
      ? {}
      : {
          explanation: {
            rule: 'throttled',
            demandShards: 2,
            target: 0.45,
            growth: 1,
            callsUsed: 0,
            throttledAt,
          },
        }),
  };
}

describe('reading the scaling log', () => {
  it('counts the operations of the rolling 24 hours', () => {
    const log = [entry(0), entry(DAY_MS - 1), entry(DAY_MS), entry(-1)];
    expect(operationsInLastDay(log, T)).toBe(2);
  });

  it('remembers the lowest usage that throttled for a week', () => {
    expect(throttleOnsetOf([], T)).toBeUndefined();
    expect(throttleOnsetOf([entry(0), entry(60_000, 0.6), entry(DAY_MS, 0.52)], T)).toBe(0.52);
    // Older than a week: forgotten.
    expect(throttleOnsetOf([entry(0, 0.7), entry(8 * DAY_MS, 0.3)], T)).toBe(0.7);
  });
});
