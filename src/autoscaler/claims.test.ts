import { describe, expect, it } from 'vitest';
import { CLAIM_TIMEOUT_MS, claimVerdict, isAbandoned } from './claims.js';
import type { ScalingLogEntry } from './scaling-log.js';

const NOW = Date.UTC(2026, 2, 2, 10);

function claim(over: Partial<ScalingLogEntry> = {}): ScalingLogEntry {
  return {
    stream_name: 'orders',
    scaling_datetime: new Date(NOW - 120_000).toISOString(),
    shard_count: 2,
    target_shard_count: 4,
    scaling_type: 'SCALE_UP',
    reason: 'test',
    utilization: 0.9,
    demand_utilization: 0.9,
    throttled_records: 0,
    alarm_name: 'kinesis-autoscaler-orders-scale-up',
    event_id: 'm',
    expires_at: 0,
    status: 'pending',
    claimed_at: new Date(NOW - 120_000).toISOString(),
    ...over,
  };
}

describe('pending claims', () => {
  it('belong to a running invocation until the functions timeout has passed', () => {
    const at = (ms: number) => new Date(NOW - ms).toISOString();
    expect(isAbandoned(claim({ claimed_at: at(CLAIM_TIMEOUT_MS - 1) }), NOW)).toBe(false);
    expect(isAbandoned(claim({ claimed_at: at(CLAIM_TIMEOUT_MS) }), NOW)).toBe(true);
    expect(isAbandoned(claim({ status: 'done' }), NOW)).toBe(false);
    // Rows written before claims had a status are confirmed scalings.
    expect(isAbandoned(claim({ status: undefined }), NOW)).toBe(false);
  });

  it('are answered by an ACTIVE stream only', () => {
    const stream = (status: string, openShards: number) => ({
      status,
      openShards,
      mode: 'PROVISIONED',
    });
    expect(claimVerdict(claim(), stream('UPDATING', 3))).toBe('unknown');
    expect(claimVerdict(claim(), stream('ACTIVE', 2))).toBe('not-applied');
    expect(claimVerdict(claim(), stream('ACTIVE', 4))).toBe('applied');
    // Moved away from the claim's start by some other way: the call was applied, then more.
    expect(claimVerdict(claim(), stream('ACTIVE', 5))).toBe('applied');
  });

  it('lose to a rival claim from the same start whose target the stream reached', () => {
    const stream = { status: 'ACTIVE', openShards: 1, mode: 'PROVISIONED' };
    const rival = claim({
      scaling_datetime: new Date(NOW - 119_000).toISOString(),
      target_shard_count: 1,
      scaling_type: 'SCALE_DOWN',
      status: 'done',
    });
    expect(claimVerdict(claim(), stream, [claim(), rival])).toBe('not-applied');
    // A rival from another start does not explain the count: the call was applied, then more.
    expect(claimVerdict(claim(), stream, [claim(), { ...rival, shard_count: 3 }])).toBe('applied');
    // The claim's own row is not its rival.
    expect(claimVerdict(claim({ target_shard_count: 1 }), stream, [claim()])).toBe('applied');
  });
});
