/**
 * Kinesis Data Streams prices (us-east-1), the one place the simulator knows them. Source:
 * /work/shared/aws-facts.md, which took them from public cost-estimation test data rather than
 * the AWS price page, so treat absolute dollars as indicative and the ratios as the result.
 *
 * Reads: provisioned shard-hours include shared-throughput reads (2 MiB/s per shard, so up to two
 * consumers reading everything never need more shards than the writes do); on-demand bills every
 * GB each consumer reads. Leaving reads out would flatter on-demand by up to a third per consumer.
 */

export const PRICES = {
  provisioned: {
    perShardHour: 0.015,
    perMillionPutPayloadUnits: 0.014,
    /** A PUT payload unit is 25 KB of a record, each record rounded up; read as 25 KiB here. */
    putPayloadUnitBytes: 25 * 1024,
  },
  onDemand: {
    perStreamHour: 0.04,
    perGbWritten: 0.08,
    perGbRead: 0.04,
    /** Written data is billed per record, each rounded up to 1 KB (read as 1 KiB here). */
    writeRoundingBytes: 1024,
    /** GB read as 2^30 bytes. */
    gbBytes: 1024 ** 3,
  },
} as const;

/** PUT payload units of one record: its size in 25 KiB units, rounded up, at least one. */
export function putPayloadUnitsPerRecord(recordBytes: number): number {
  return Math.max(1, Math.ceil(recordBytes / PRICES.provisioned.putPayloadUnitBytes));
}

export interface ProvisionedCost {
  shardHours: number;
  putPayloadUnits: number;
  shardCost: number;
  putCost: number;
  total: number;
}

/**
 * Throttled records are not charged: only records Kinesis accepted count as PUT payload units.
 */
export function provisionedCost(input: {
  shardHours: number;
  acceptedRecords: number;
  recordBytes: number;
}): ProvisionedCost {
  const putPayloadUnits = input.acceptedRecords * putPayloadUnitsPerRecord(input.recordBytes);
  const shardCost = input.shardHours * PRICES.provisioned.perShardHour;
  const putCost = (putPayloadUnits / 1e6) * PRICES.provisioned.perMillionPutPayloadUnits;
  return {
    shardHours: input.shardHours,
    putPayloadUnits,
    shardCost,
    putCost,
    total: shardCost + putCost,
  };
}

export interface OnDemandCost {
  streamHours: number;
  /** Billed GB written: every record rounded up to 1 KB. */
  gbWritten: number;
  gbRead: number;
  streamCost: number;
  writeCost: number;
  readCost: number;
  total: number;
}

/** The billed size of one record written on demand: rounded up to 1 KB. */
export function onDemandBilledBytes(recordBytes: number): number {
  const unit = PRICES.onDemand.writeRoundingBytes;
  return Math.max(1, Math.ceil(recordBytes / unit - 1e-9)) * unit;
}

/**
 * On-demand: stream-hours, written GB (per record rounded up to 1 KB) and read GB (every consumer
 * reads every accepted byte once; throttled records are neither billed nor read).
 */
export function onDemandCost(input: {
  streamHours: number;
  acceptedRecords: number;
  acceptedBytes: number;
  recordBytes: number;
  consumers?: number;
}): OnDemandCost {
  const gb = PRICES.onDemand.gbBytes;
  const gbWritten = (input.acceptedRecords * onDemandBilledBytes(input.recordBytes)) / gb;
  const gbRead = (input.acceptedBytes * (input.consumers ?? 1)) / gb;
  const streamCost = input.streamHours * PRICES.onDemand.perStreamHour;
  const writeCost = gbWritten * PRICES.onDemand.perGbWritten;
  const readCost = gbRead * PRICES.onDemand.perGbRead;
  return {
    streamHours: input.streamHours,
    gbWritten,
    gbRead,
    streamCost,
    writeCost,
    readCost,
    total: streamCost + writeCost + readCost,
  };
}
