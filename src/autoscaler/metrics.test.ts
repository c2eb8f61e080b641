import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients } from '../aws/clients.js';
import { ManualClock } from '../emulator/clock.js';
import { Emulator } from '../emulator/emulator.js';
import { fetchHistory } from './metrics.js';

const MINUTE = 60_000;
const START = Date.UTC(2026, 11, 8, 12, 0);
const clock = new ManualClock(START);
let emulator: Emulator;
let clients: ReturnType<typeof createClients>;

beforeAll(async () => {
  emulator = await Emulator.start({ port: 0, clock });
  clients = createClients({ endpoint: emulator.url, region: 'us-east-1' }, {});
});
afterAll(() => emulator.stop());

describe('fetchHistory (the emulated stream publishes its own metrics)', () => {
  it('reads 5-minute demand in shards, throttled writes included, from the first datapoint', async () => {
    const kinesis = emulator.region().kinesis;
    kinesis.createStream({ StreamName: 's', ShardCount: 1 });
    await clock.advance(MINUTE);
    const first = clock.now();
    // One minute at 2 MiB/s of 1 KiB records on one shard: half is throttled.
    kinesis.ingest('s', { bytesPerSecond: 2 * 1048576, recordsPerSecond: 2048, seconds: 60 });
    await clock.advance(30 * MINUTE);
    const now = clock.now() + 150_000;
    await clock.advanceTo(now);
    const h = await fetchHistory(clients.cloudwatch, 's', now);
    expect(h.periodMs).toBe(300_000);
    expect(h.start).toBe(Math.floor(first / 300_000) * 300_000);
    expect(h.start + h.shards.length * h.periodMs).toBe(Math.floor(now / 300_000) * 300_000);
    // Demand, not what was accepted: 2,048 records/s for 60 s over a 300 s period, against the
    // 1,000 records/s a shard takes (records bind before bytes at 1 KiB), is 0.4096 shards.
    expect(h.shards[0]).toBeCloseTo(0.4096, 4);
    expect(h.shards.slice(1).every((x) => x === 0)).toBe(true);
  });

  it('has no history for a stream without datapoints', async () => {
    const h = await fetchHistory(clients.cloudwatch, 'never-written', clock.now());
    expect(h.shards).toEqual([]);
  });
});
