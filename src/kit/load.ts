import {
  PutRecordsCommand,
  type KinesisClient,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { EXIT, KitError } from './errors.js';
import type { Sleep } from './time.js';

export const MIB = 1024 * 1024;
const MAX_RECORDS_PER_CALL = 500;
const MAX_BYTES_PER_CALL = 5 * MIB;
const MAX_RECORD_BYTES = MIB;

export interface LoadOptions {
  stream: string;
  bytesPerSecond: number;
  recordsPerSecond: number;
  durationSeconds: number;
  sleep: Sleep;
  now: () => number;
  onSecond?: (progress: LoadProgress) => void;
}

export interface LoadProgress {
  second: number;
  offeredRecords: number;
  acceptedRecords: number;
  throttledRecords: number;
  failedRecords: number;
  acceptedBytes: number;
}

/** Checks the requested rate makes records Kinesis accepts, and derives the record size. */
export function planLoad(input: {
  mibps: number;
  recordsPerSecond?: number | undefined;
  durationSeconds: number;
}) {
  if (!(input.mibps > 0))
    throw new KitError(`--mibps must be greater than 0, got ${input.mibps}`, EXIT.usage);
  if (!(input.durationSeconds > 0)) {
    throw new KitError(
      `--duration must be greater than 0 seconds, got ${input.durationSeconds}`,
      EXIT.usage,
    );
  }
  const bytesPerSecond = Math.round(input.mibps * MIB);
  const recordsPerSecond = Math.round(input.recordsPerSecond ?? bytesPerSecond / 1024);
  if (!(recordsPerSecond >= 1)) {
    throw new KitError(
      `--records-per-second must be at least 1, got ${input.recordsPerSecond}`,
      EXIT.usage,
    );
  }
  const recordBytes = Math.floor(bytesPerSecond / recordsPerSecond);
  if (recordBytes < 1)
    throw new KitError(
      `${recordsPerSecond} records/s cannot carry ${input.mibps} MiB/s: records would be empty`,
      EXIT.usage,
    );
  if (recordBytes > MAX_RECORD_BYTES) {
    throw new KitError(
      `${input.mibps} MiB/s in ${recordsPerSecond} records/s makes records over Kinesis's 1 MiB limit; raise --records-per-second`,
      EXIT.usage,
    );
  }
  return { bytesPerSecond, recordsPerSecond, recordBytes };
}

/**
 * Writes real records at a steady rate, one second's worth at a time, and counts what Kinesis
 * accepted and throttled. Throttled records are not retried: the point is to see them.
 */
export async function runLoad(kinesis: KinesisClient, opts: LoadOptions): Promise<LoadProgress> {
  const recordBytes = Math.max(1, Math.floor(opts.bytesPerSecond / opts.recordsPerSecond));
  const data = new Uint8Array(recordBytes).fill(120);
  const perCall = Math.max(
    1,
    Math.min(MAX_RECORDS_PER_CALL, Math.floor(MAX_BYTES_PER_CALL / (recordBytes + 256))),
  );
  const totals: LoadProgress = {
    second: 0,
    offeredRecords: 0,
    acceptedRecords: 0,
    throttledRecords: 0,
    failedRecords: 0,
    acceptedBytes: 0,
  };
  const start = opts.now();
  let key = 0;
  for (let second = 0; second < opts.durationSeconds; second++) {
    const calls: PutRecordsRequestEntry[][] = [];
    for (let left = opts.recordsPerSecond; left > 0; left -= perCall) {
      calls.push(
        Array.from({ length: Math.min(perCall, left) }, () => ({
          PartitionKey: `k${key++}`,
          Data: data,
        })),
      );
    }
    const results = await Promise.all(
      calls.map((Records) =>
        kinesis.send(new PutRecordsCommand({ StreamName: opts.stream, Records })),
      ),
    );
    for (const [i, out] of results.entries()) {
      const sent = calls[i]!.length;
      totals.offeredRecords += sent;
      for (const r of out.Records ?? []) {
        if (!r.ErrorCode) {
          totals.acceptedRecords++;
          totals.acceptedBytes += recordBytes;
        } else if (r.ErrorCode === 'ProvisionedThroughputExceededException')
          totals.throttledRecords++;
        else totals.failedRecords++;
      }
    }
    totals.second = second + 1;
    opts.onSecond?.({ ...totals });
    const next = start + (second + 1) * 1000;
    await opts.sleep(Math.max(0, next - opts.now()));
  }
  return totals;
}
