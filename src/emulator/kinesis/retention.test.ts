import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { RecordingSink } from './harness.js';
import { KinesisModel, MiB, type KinesisModelOptions } from './model.js';

const START = Date.UTC(2026, 0, 1);
let models: KinesisModel[] = [];
afterEach(() => {
  for (const m of models) m.dispose();
  models = [];
});

async function setup(opts: Partial<KinesisModelOptions> = {}) {
  const clock = new ManualClock(START);
  const sink = new RecordingSink();
  const model = new KinesisModel({
    clock,
    region: 'us-east-1',
    accountId: '000000000000',
    metrics: sink,
    ...opts,
  });
  models.push(model);
  return { clock, sink, model };
}

const stored = (model: KinesisModel, name: string) => model.store.streams.get(name)!.storedBytes;

describe('retention and memory', () => {
  it('trims records once the retention period is over', async () => {
    const { clock, model } = await setup();
    model.createStream({ StreamName: 's', ShardCount: 1 });
    await clock.advance(500);
    model.putRecord({ StreamName: 's', PartitionKey: 'a', Data: new Uint8Array(100) });
    await clock.advance(12 * 3_600_000);
    model.putRecord({ StreamName: 's', PartitionKey: 'a', Data: new Uint8Array(100) });
    expect(stored(model, 's')).toBe(202);
    await clock.advance(12 * 3_600_000 + 60_000);
    // The first record is past 24 hours and gone from the store, not only from reads.
    expect(stored(model, 's')).toBe(101);
    const it = model.getShardIterator({
      StreamName: 's',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    });
    expect(model.getRecords(it).Records).toHaveLength(1);
  });

  it('keeps records for a longer retention period once increased', async () => {
    const { clock, model } = await setup();
    model.createStream({ StreamName: 's', ShardCount: 1 });
    await clock.advance(500);
    model.increaseStreamRetentionPeriod({ StreamName: 's', RetentionPeriodHours: 48 });
    model.putRecord({ StreamName: 's', PartitionKey: 'a', Data: new Uint8Array(100) });
    await clock.advance(30 * 3_600_000);
    expect(stored(model, 's')).toBe(101);
    model.decreaseStreamRetentionPeriod({ StreamName: 's', RetentionPeriodHours: 24 });
    expect(stored(model, 's')).toBe(0);
  });

  it('drops the oldest records past the per-stream byte cap and counts them in its own metric', async () => {
    const { clock, model, sink } = await setup({ maxStreamBytes: 10_000 });
    model.createStream({ StreamName: 's', ShardCount: 2 });
    await clock.advance(500);
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (let i = 0; i < 30; i++) {
      model.putRecord({ StreamName: 's', PartitionKey: keys[i % 6]!, Data: new Uint8Array(999) });
    }
    expect(stored(model, 's')).toBe(10_000);
    // Oldest first across shards: the newest ten are left, on whichever shard they went.
    const left: number[] = [];
    for (const shardId of ['shardId-000000000000', 'shardId-000000000001']) {
      const it = model.getShardIterator({
        StreamName: 's',
        ShardId: shardId,
        ShardIteratorType: 'TRIM_HORIZON',
      });
      left.push(model.getRecords(it).Records.length);
    }
    expect(left.reduce((a, b) => a + b, 0)).toBe(10);
    await clock.advance(60_000);
    const dropped = sink.data.find((d) => d.metricName === 'RecordsDroppedByByteCap');
    expect(dropped).toMatchObject({ namespace: 'Emulator/Kinesis', sum: 20 });
    expect(sink.data.find((d) => d.metricName === 'BytesDroppedByByteCap')?.sum).toBe(20_000);
  });

  it('holds a fixed memory ceiling under 10 minutes of 2 MiB/s (virtual time)', async () => {
    const cap = 64 * MiB;
    const { clock, model } = await setup({ maxStreamBytes: cap });
    model.createStream({ StreamName: 'load', ShardCount: 2 });
    await clock.advance(500);
    const before = process.memoryUsage();
    const record = new Uint8Array(32 * 1024 - 8);
    let accepted = 0;
    let peakStored = 0;
    for (let second = 0; second < 600; second++) {
      // 64 records of 32 KiB a second: 2 MiB/s over two shards, each at its 1 MiB/s.
      const out = model.putRecords({
        StreamName: 'load',
        Records: Array.from({ length: 64 }, (_, i) => ({
          PartitionKey: `p${i}`,
          ExplicitHashKey: i % 2 === 0 ? '0' : (2n ** 127n).toString(),
          Data: record,
        })),
      });
      accepted += 64 - out.FailedRecordCount;
      peakStored = Math.max(peakStored, stored(model, 'load'));
      await clock.advance(1_000);
    }
    const after = process.memoryUsage();
    // About 1.2 GiB went through; the store kept at most the cap.
    expect(accepted * 32 * 1024).toBeGreaterThan(1.1 * 1024 * MiB);
    expect(peakStored).toBeLessThanOrEqual(cap);
    // Record bytes live in ArrayBuffers: their growth stays within the cap plus collector slack.
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(cap + 192 * MiB);
  });
});
