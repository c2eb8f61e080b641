/**
 * Kinesis Data Streams prices (us-east-1), the one place the simulator knows them. Source:
 * /work/shared/aws-facts.md, which took them from public cost-estimation test data rather than
 * the AWS price page, so treat absolute dollars as indicative and the ratios as the result.
 *
 * Reads are not priced: consumers read the same data whichever capacity mode or policy is used, so
 * read charges would add the same amount to every row of a comparison (and provisioned reads are
 * included in the shard-hour anyway).
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
  gbWritten: number;
  streamCost: number;
  writeCost: number;
  total: number;
}

export function onDemandCost(input: { streamHours: number; bytesWritten: number }): OnDemandCost {
  const gbWritten = input.bytesWritten / PRICES.onDemand.gbBytes;
  const streamCost = input.streamHours * PRICES.onDemand.perStreamHour;
  const writeCost = gbWritten * PRICES.onDemand.perGbWritten;
  return {
    streamHours: input.streamHours,
    gbWritten,
    streamCost,
    writeCost,
    total: streamCost + writeCost,
  };
}
