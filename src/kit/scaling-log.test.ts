import { describe, expect, it } from 'vitest';
import type { ScalingLogEntry } from '../autoscaler/scaling-log.js';
import { formatScalingLogEntry } from './scaling-log.js';

const row: ScalingLogEntry = {
  stream_name: 'orders',
  scaling_datetime: '2026-12-02T08:30:00.000Z',
  shard_count: 4,
  target_shard_count: 8,
  scaling_type: 'SCALE_UP',
  reason: 'peak usage 80.0% of 4 shards over 5 min, sized for 50.0%: 4 -> 7 shards',
  utilization: 0.8,
  demand_utilization: 0.8,
  throttled_records: 0,
  alarm_name: 'kinesis-autoscaler-orders-scale-up',
  event_id: 'm-1',
  expires_at: 0,
};

describe('formatScalingLogEntry', () => {
  it('shows the rule and the figures it weighed on one line', () => {
    const line = formatScalingLogEntry({
      ...row,
      rule: 'forecast',
      explanation: {
        rule: 'forecast',
        demandShards: 3.2,
        target: 0.6,
        growth: 1.25,
        forecastShards: 12,
        forecastDays: 7,
        dayPeakShards: 20,
        callsUsed: 3,
      },
    });
    expect(line).toBe(
      '2026-12-02T08:30:00.000Z  SCALE_UP       4 -> 8     forecast  demand 3.2 shards, forecast 12 (7 days), target 60% (growth x1.25), day peak needs 20, calls 3/10',
    );
    expect(line).not.toContain('\n');
  });

  it('shows the usage at which the stream throttled', () => {
    const line = formatScalingLogEntry({
      ...row,
      explanation: {
        rule: 'throttled',
        demandShards: 4.4,
        target: 0.45,
        growth: 1,
        throttledAt: 0.624,
        callsUsed: 5,
      },
    });
    expect(line).toBe(
      '2026-12-02T08:30:00.000Z  SCALE_UP       4 -> 8     throttled demand 4.4 shards, target 45%, throttled at 62%, calls 5/10',
    );
  });

  it('falls back to the reason on rows written before rules were logged', () => {
    expect(formatScalingLogEntry(row)).toBe(
      '2026-12-02T08:30:00.000Z  SCALE_UP       4 -> 8     peak usage 80.0% of 4 shards over 5 min, sized for 50.0%: 4 -> 7 shards',
    );
  });
});
