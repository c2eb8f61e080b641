import { describe, expect, it } from 'vitest';
import { onDemandBaseline, oracleBaseline, staticPeakBaseline } from './baselines.js';
import { onDemandCost, provisionedCost, putPayloadUnitsPerRecord } from './pricing.js';
import { figuresOf, maxInRollingDay, summarize } from './summary.js';
import { MiB, type DemandSeries } from './trace.js';

describe('pricing', () => {
  it('rounds each record up to 25 KiB PUT payload units', () => {
    expect(putPayloadUnitsPerRecord(1024)).toBe(1);
    expect(putPayloadUnitsPerRecord(25 * 1024)).toBe(1);
    expect(putPayloadUnitsPerRecord(25 * 1024 + 1)).toBe(2);
    expect(putPayloadUnitsPerRecord(100 * 1024)).toBe(4);
  });

  it('prices provisioned streams per shard-hour and per million PUT payload units', () => {
    // 10 shards for a day = 240 shard-hours = $3.60; 50 M records of 30 KiB = 100 M units = $1.40.
    const cost = provisionedCost({
      shardHours: 240,
      acceptedRecords: 50e6,
      recordBytes: 30 * 1024,
    });
    expect(cost.shardCost).toBeCloseTo(3.6, 10);
    expect(cost.putPayloadUnits).toBe(100e6);
    expect(cost.putCost).toBeCloseTo(1.4, 10);
    expect(cost.total).toBeCloseTo(5.0, 10);
  });

  it('prices on-demand streams per stream-hour and per GB written', () => {
    // A day = 24 h x $0.04 = $0.96; 10 GiB x $0.08 = $0.80.
    const cost = onDemandCost({ streamHours: 24, bytesWritten: 10 * 1024 ** 3 });
    expect(cost.streamCost).toBeCloseTo(0.96, 10);
    expect(cost.writeCost).toBeCloseTo(0.8, 10);
    expect(cost.total).toBeCloseTo(1.76, 10);
  });
});

/** A demand series from per-minute MiB/s values, of 4 KiB records (so bytes, not records, bind). */
function series(mibps: number[]): DemandSeries {
  const bytes = Float64Array.from(mibps, (m) => m * MiB);
  return {
    name: 'test',
    startMs: Date.UTC(2026, 0, 1),
    minutes: mibps.length,
    recordBytes: 4096,
    bytesPerSecond: bytes,
    recordsPerSecond: Float64Array.from(bytes, (b) => b / 4096),
    peakMiBps: Math.max(...mibps),
  };
}

describe('baselines', () => {
  const demand = series([1, 1, 3, 3, 10, 10, 2, 2]);

  it('conserves records: accepted + throttled = offered in every minute', () => {
    for (const run of [
      onDemandBaseline(demand),
      staticPeakBaseline(demand),
      oracleBaseline(demand),
    ]) {
      for (let i = 0; i < demand.minutes; i++) {
        const s = run.series;
        expect(s.acceptedRecords[i]! + s.throttledRecords[i]!).toBeCloseTo(s.offeredRecords[i]!, 6);
      }
    }
  });

  it('on-demand starts at 4 MiB/s and allows double the previous peak', () => {
    const run = onDemandBaseline(demand);
    // Capacity is set by what was accepted before: minute 4 accepts only 6 of its 10, so minute 5
    // gets 12, and minute 6 doubles the 10 accepted in minute 5.
    expect([...run.series.capacityUnits]).toEqual([4, 4, 4, 6, 6, 12, 20, 20]);
    expect(run.series.throttledRecords[4]! / run.series.offeredRecords[4]!).toBeCloseTo(0.4, 10);
  });

  it('static-peak never throttles; the oracle follows demand minute by minute', () => {
    const fixed = figuresOf(staticPeakBaseline(demand));
    expect(fixed.throttledRecords).toBe(0);
    expect(fixed.shardHours).toBeCloseTo((10 * 8) / 60, 10);
    const oracle = oracleBaseline(demand);
    expect([...oracle.series.capacityUnits]).toEqual([1, 1, 3, 3, 10, 10, 2, 2]);
    expect(oracle.scalingEvents.map((e) => e.to)).toEqual([3, 10, 2]);
  });

  it('relates every cost to on-demand and the oracle', () => {
    const figures = summarize([
      onDemandBaseline(demand),
      staticPeakBaseline(demand),
      oracleBaseline(demand),
    ]);
    const oracle = figures.find((f) => f.label === 'oracle')!;
    expect(oracle.costVsOracle).toBe(1);
    const oracleCost = (32 / 60) * 0.015 + ((32 * MiB * 60) / 4096 / 1e6) * 0.014;
    expect(oracle.costUsd).toBeCloseTo(oracleCost, 10);
    const onDemand = figures.find((f) => f.label === 'on-demand')!;
    expect(onDemand.costVsOnDemand).toBe(1);
    expect(onDemand.shardHours).toBeNull();
  });
});

describe('maxInRollingDay', () => {
  it('counts the most events inside any 24 hours', () => {
    const h = 3_600_000;
    const ev = (t: number) => ({ at: t, from: 1, to: 2, direction: 'up' as const });
    expect(maxInRollingDay([])).toBe(0);
    // Kinesis's window is (now - 24 h, now]: an event exactly 24 h old no longer counts.
    expect(maxInRollingDay([ev(0), ev(1 * h), ev(23 * h), ev(24 * h), ev(25 * h)])).toBe(3);
    expect(maxInRollingDay([ev(0), ev(1 * h), ev(23 * h), ev(23.5 * h), ev(25 * h)])).toBe(4);
  });
});
