import { describe, expect, it } from 'vitest';
import { onDemandBaseline, oracleBaseline, staticPeakBaseline } from './baselines.js';
import {
  onDemandBilledBytes,
  onDemandCost,
  provisionedCost,
  putPayloadUnitsPerRecord,
} from './pricing.js';
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

  it('prices on-demand streams per stream-hour, per GB written and per GB each consumer reads', () => {
    // A day = 24 h x $0.04 = $0.96; 10 GiB of 1 KiB records x $0.08 = $0.80; read twice: 20 GiB
    // x $0.04 = $0.80.
    const cost = onDemandCost({
      streamHours: 24,
      acceptedRecords: 10 * 1024 ** 2,
      acceptedBytes: 10 * 1024 ** 3,
      recordBytes: 1024,
      consumers: 2,
    });
    expect(cost.streamCost).toBeCloseTo(0.96, 10);
    expect(cost.writeCost).toBeCloseTo(0.8, 10);
    expect(cost.readCost).toBeCloseTo(0.8, 10);
    expect(cost.total).toBeCloseTo(2.56, 10);
  });

  it('bills on-demand writes per record rounded up to 1 KB, reads by the byte', () => {
    expect(onDemandBilledBytes(100)).toBe(1024);
    expect(onDemandBilledBytes(1024)).toBe(1024);
    expect(onDemandBilledBytes(1025)).toBe(2048);
    // 1 GiB of 100-byte records is billed as 10.24 GiB written, but read as 1 GiB.
    const cost = onDemandCost({
      streamHours: 0,
      acceptedRecords: 1024 ** 3 / 100,
      acceptedBytes: 1024 ** 3,
      recordBytes: 100,
    });
    expect(cost.gbWritten).toBeCloseTo(10.24, 6);
    expect(cost.gbRead).toBeCloseTo(1, 10);
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

  it('on-demand starts at 4 MiB/s and throttles only what more than doubles the peak of 15 minutes before', () => {
    const run = onDemandBaseline(demand);
    // No peak is 15 minutes old yet: 4 MiB/s throughout, so the 10 MiB/s minutes lose 60%.
    expect([...run.series.capacityUnits]).toEqual([4, 4, 4, 4, 4, 4, 4, 4]);
    expect(run.series.throttledRecords[4]! / run.series.offeredRecords[4]!).toBeCloseTo(0.6, 10);
    // 20 minutes at 3, then a jump to 10: capacity is 2 x 3, so 40% is lost until the jump is
    // 15 minutes old. A ramp 3 -> 5 -> 9 in 20-minute steps never throttles.
    const jump = onDemandBaseline(series([...Array(20).fill(3), ...Array(20).fill(10)]));
    expect(jump.series.capacityUnits[20]).toBe(6);
    expect(jump.series.throttledRecords[20]! / jump.series.offeredRecords[20]!).toBeCloseTo(
      0.4,
      10,
    );
    expect(jump.series.throttledRecords[34]).toBeGreaterThan(0);
    expect(jump.series.throttledRecords[35]).toBe(0);
    const ramp = onDemandBaseline(
      series([...Array(20).fill(3), ...Array(20).fill(5), ...Array(20).fill(9)]),
    );
    expect(ramp.series.throttledRecords.every((t) => t === 0)).toBe(true);
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
