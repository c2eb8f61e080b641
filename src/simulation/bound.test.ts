import { describe, expect, it } from 'vitest';
import { boundBaseline, boundSchedule, stepsBetween } from './bound.js';
import { oracleBaseline } from './baselines.js';
import { figuresOf } from './summary.js';
import { MiB, type DemandSeries } from './trace.js';

/** Per-minute MiB/s of 4 KiB records, so minute i needs ceil(mibps[i]) shards. */
function series(mibps: number[], startMs = Date.UTC(2026, 0, 1)): DemandSeries {
  const bytes = Float64Array.from(mibps, (m) => m * MiB);
  return {
    name: 'hand',
    startMs,
    minutes: mibps.length,
    recordBytes: 4096,
    bytesPerSecond: bytes,
    recordsPerSecond: Float64Array.from(bytes, (b) => b / 4096),
    peakMiBps: Math.max(...mibps),
  };
}
const blocks = (...values: number[]) => values.flatMap((v) => Array<number>(10).fill(v));

describe('steps between shard counts', () => {
  it('doubles up and halves (rounding up) down', () => {
    expect(stepsBetween(1, 8)).toBe(3);
    expect(stepsBetween(3, 5)).toBe(1);
    expect(stepsBetween(8, 1)).toBe(3);
    expect(stepsBetween(5, 3)).toBe(1);
    expect(stepsBetween(5, 2)).toBe(2); // 5 -> 3 -> 2
    expect(stepsBetween(4, 4)).toBe(0);
  });
});

describe('bound', () => {
  it('follows demand like the oracle when the quota allows: 1 -> 8 -> 1 in three calls each way', () => {
    const s = boundSchedule(series(blocks(1, 8, 1)), 1);
    expect(s.shardMinutes).toBe(10 + 80 + 10);
    expect(s.events.map((e) => e.to)).toEqual([2, 4, 8, 4, 2, 1]);
    expect(s.events.every((e, i) => (i < 3 ? e.at === Date.UTC(2026, 0, 1, 0, 10) : true))).toBe(
      true,
    );
  });

  it('holds the cheapest lull when twelve changes in a day exceed the ten calls', () => {
    // 2,1,2,1,... for 12 blocks of 10 minutes from 1 shard: following it takes 12 calls. Keeping one
    // interior lull at 2 shards saves two calls for 10 shard-minutes: 180 + 10.
    const demand = series(blocks(2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1));
    const s = boundSchedule(demand, 1);
    expect(s.shardMinutes).toBe(190);
    expect(s.events).toHaveLength(10);
    const oracle = figuresOf(oracleBaseline(demand));
    expect(oracle.shardHours! * 60).toBe(180);
  });

  it('charges calls to UTC days (the relaxation): the same pattern across midnight fits', () => {
    const demand = series(blocks(2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1), Date.UTC(2026, 0, 1, 23, 0));
    expect(boundSchedule(demand, 1).shardMinutes).toBe(180);
  });

  it('is a baseline that loses nothing and costs at least the oracle', () => {
    const demand = series(blocks(3, 1, 6, 2, 9, 1, 4));
    const bound = figuresOf(boundBaseline(demand));
    const oracle = figuresOf(oracleBaseline(demand));
    expect(bound.throttledRecords).toBe(0);
    expect(bound.costUsd).toBeGreaterThanOrEqual(oracle.costUsd - 1e-12);
  });
});
