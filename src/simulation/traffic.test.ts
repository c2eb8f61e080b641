import { describe, expect, it } from 'vitest';
import { ManualClock } from '../emulator/clock.js';
import { KinesisModel } from '../emulator/kinesis/model.js';
import { burstFactors, hotShardFactor, keyShares, rng } from './traffic.js';

const MiB = 1024 * 1024;

/** A Kinesis model on a ManualClock whose streams are ACTIVE at once and whose metrics go nowhere. */
function kinesisModel(
  over: {
    reshardingMs?: number;
    metrics?: ConstructorParameters<typeof KinesisModel>[0]['metrics'];
  } = {},
) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const kinesis = new KinesisModel({
    clock,
    region: 'us-east-1',
    accountId: '000000000000',
    metrics: { putMetric: () => {} },
    creatingMs: 0,
    ...over,
  });
  return { clock, kinesis };
}

describe('burstiness', () => {
  it('keeps each minute at its trace rate and varies the seconds by the asked coefficient', () => {
    const next = rng(7);
    let sq = 0;
    for (let m = 0; m < 200; m++) {
      const f = burstFactors(next, 0.3);
      expect(f.reduce((a, b) => a + b, 0)).toBeCloseTo(60, 9);
      for (const x of f) sq += (x - 1) ** 2;
    }
    expect(Math.sqrt(sq / (200 * 60))).toBeCloseTo(0.3, 1);
  });

  it('is flat at 0 and the same for the same seed', () => {
    expect([...burstFactors(rng(1), 0)]).toEqual(Array(60).fill(1));
    expect([...burstFactors(rng(3), 0.2)]).toEqual([...burstFactors(rng(3), 0.2)]);
  });
});

describe('key skew', () => {
  it('gives shards shares that add up to 1, hotter as the skew and the shard count grow', () => {
    const share = keyShares(0.5, 1);
    const half = 1n << 127n;
    expect(share(0n, half - 1n) + share(half, (1n << 128n) - 1n)).toBeCloseTo(1, 12);
    expect(hotShardFactor(keyShares(0.8, 1), 40)).toBeGreaterThan(
      hotShardFactor(keyShares(0.3, 1), 40),
    );
    expect(hotShardFactor(share, 40)).toBeGreaterThan(hotShardFactor(share, 4));
  });

  it('throttles the hot shard where an even spread would carry the same traffic', async () => {
    const { clock, kinesis } = kinesisModel();
    kinesis.createStream({ StreamName: 's', ShardCount: 2 });
    await clock.advance(1000);
    const offer = { bytesPerSecond: 1.5 * MiB, recordsPerSecond: 100, seconds: 1 };
    expect(kinesis.ingest('s', offer).throttledRecords).toBe(0);
    // 3/4 of the keys hash into the lower shard: it gets 1.125 MiB/s and keeps 1 MiB/s of it.
    const half = 1n << 127n;
    const skewed = kinesis.ingest('s', {
      ...offer,
      shareOf: (start) => (start < half ? 0.75 : 0.25),
    });
    expect(skewed.acceptedRecords / 100).toBeCloseTo(0.75 / 1.125 + 0.25, 9);
    kinesis.dispose();
  });

  it('throttles exactly nothing below the caps, whatever float residue the shares carry', async () => {
    const throttled: number[] = [];
    const { clock, kinesis } = kinesisModel({
      metrics: {
        putMetric: (d) => {
          if (d.metricName === 'WriteProvisionedThroughputExceeded') throttled.push(d.sum);
        },
      },
    });
    kinesis.createStream({ StreamName: 's', ShardCount: 7 });
    await clock.advance(1000);
    // Seven shares of 1/7 add up to 0.9999999999999998, not 1; a throttled count of 1e-12 records
    // reads as "throttled" to the autoscaler and held its scale-downs for hours.
    const shareOf = () => 1 / 7;
    const r = kinesis.ingest('s', {
      bytesPerSecond: MiB,
      recordsPerSecond: 3333.3,
      seconds: 10,
      shareOf,
    });
    expect(r.throttledRecords).toBe(0);
    expect(r.throttledBytes).toBe(0);
    expect(r.acceptedRecords).toBe(33_333);
    await clock.advance(60_000);
    expect(throttled).toEqual([0]);
    kinesis.dispose();
  });

  it('follows the open shards through a reshard with the same share function', async () => {
    const { clock, kinesis } = kinesisModel({ reshardingMs: 1000 });
    kinesis.createStream({ StreamName: 's', ShardCount: 1 });
    await clock.advance(1000);
    // Keys spread evenly: each shard's share is the part of the hash space it covers.
    const shareOf = (start: bigint, end: bigint) => Number(end - start + 1n) / 2 ** 128;
    const offer = { bytesPerSecond: 2 * MiB, recordsPerSecond: 100, seconds: 1, shareOf };
    expect(kinesis.ingest('s', offer).acceptedBytes).toBeCloseTo(MiB, 3);
    kinesis.updateShardCount({
      StreamName: 's',
      TargetShardCount: 2,
      ScalingType: 'UNIFORM_SCALING',
    });
    await clock.advance(60_000);
    const open = kinesis.describeStreamSummary({ StreamName: 's' }).StreamDescriptionSummary;
    expect(open.OpenShardCount).toBe(2);
    // Two shards take the whole offer; the one shard's shares would still admit half of it.
    expect(kinesis.ingest('s', offer).acceptedBytes).toBeCloseTo(2 * MiB, 3);
    kinesis.dispose();
  });
});
