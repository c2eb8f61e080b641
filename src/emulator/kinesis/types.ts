/**
 * Shapes of the emulated Kinesis: what the API returns (AWS member names) and the model's own
 * stream and shard state, shared by the model's modules.
 */
import type { TimerHandle } from '../clock.js';

export type StreamStatus = 'CREATING' | 'DELETING' | 'ACTIVE' | 'UPDATING';
export type StreamMode = 'PROVISIONED' | 'ON_DEMAND';
export type ShardIteratorType =
  'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
export type ShardFilterType =
  | 'AFTER_SHARD_ID'
  | 'AT_TRIM_HORIZON'
  | 'FROM_TRIM_HORIZON'
  | 'AT_LATEST'
  | 'AT_TIMESTAMP'
  | 'FROM_TIMESTAMP';

export interface StreamRef {
  StreamName?: string | undefined;
  StreamARN?: string | undefined;
}

export interface HashKeyRange {
  StartingHashKey: string;
  EndingHashKey: string;
}

export interface Shard {
  ShardId: string;
  ParentShardId?: string;
  AdjacentParentShardId?: string;
  HashKeyRange: HashKeyRange;
  SequenceNumberRange: { StartingSequenceNumber: string; EndingSequenceNumber?: string };
}

export interface ChildShard {
  ShardId: string;
  ParentShards: string[];
  HashKeyRange: HashKeyRange;
}

export interface KinesisRecord {
  SequenceNumber: string;
  ApproximateArrivalTimestamp: Date;
  Data: Uint8Array;
  PartitionKey: string;
}

export interface EnhancedMetrics {
  ShardLevelMetrics: string[];
}

export interface StreamDescription {
  StreamName: string;
  StreamARN: string;
  StreamStatus: StreamStatus;
  StreamModeDetails: { StreamMode: StreamMode };
  Shards: Shard[];
  HasMoreShards: boolean;
  RetentionPeriodHours: number;
  StreamCreationTimestamp: Date;
  EnhancedMonitoring: EnhancedMetrics[];
  EncryptionType: 'NONE';
}

export interface StreamDescriptionSummary {
  StreamName: string;
  StreamARN: string;
  StreamStatus: StreamStatus;
  StreamModeDetails: { StreamMode: StreamMode };
  RetentionPeriodHours: number;
  StreamCreationTimestamp: Date;
  EnhancedMonitoring: EnhancedMetrics[];
  EncryptionType: 'NONE';
  OpenShardCount: number;
  ConsumerCount: number;
}

export interface PutRecordInput extends StreamRef {
  Data: Uint8Array;
  PartitionKey: string;
  ExplicitHashKey?: string | undefined;
  SequenceNumberForOrdering?: string | undefined;
}

export interface PutRecordsEntry {
  Data: Uint8Array;
  PartitionKey: string;
  ExplicitHashKey?: string | undefined;
}

export type PutRecordsResultEntry =
  { SequenceNumber: string; ShardId: string } | { ErrorCode: string; ErrorMessage: string };

export interface IngestInput {
  bytesPerSecond: number;
  recordsPerSecond: number;
  seconds: number;
  /**
   * Share (0..1) of the traffic whose hash keys fall in [start, end], for partition-key skew; by
   * default traffic is spread evenly over the open shards.
   */
  shareOf?: (start: bigint, end: bigint) => number;
}

export interface IngestResult {
  acceptedBytes: number;
  acceptedRecords: number;
  throttledRecords: number;
  throttledBytes: number;
}

export interface StoredRecord {
  /** Position in the shard (the sequence number's middle part); 1 for the first record. */
  pos: number;
  data: Uint8Array;
  partitionKey: string;
  arrival: number;
  /** Bytes counted against the stream's byte cap (data plus partition key). */
  size: number;
}

export interface ShardState {
  id: string;
  index: number;
  parent?: string;
  adjacentParent?: string;
  start: bigint;
  end: bigint;
  startSeq: string;
  endSeq?: string;
  createdAt: number;
  closedAt?: number;
  /** Records in arrival order from `head` on; the ones before `head` are trimmed. */
  records: StoredRecord[];
  head: number;
  /** Position the next record gets. */
  nextPos: number;
  winSecond: number;
  winBytes: number;
  winRecords: number;
  readSecond: number;
  readCalls: number;
  /** Read byte budget (may be negative after a large read) as of `readWhen`. */
  readBytes: number;
  readWhen: number;
}

export interface Consumer {
  ConsumerName: string;
  ConsumerARN: string;
  ConsumerStatus: 'CREATING' | 'ACTIVE' | 'DELETING';
  ConsumerCreationTimestamp: Date;
}

export interface StreamState {
  name: string;
  arn: string;
  status: StreamStatus;
  mode: StreamMode;
  createdAt: number;
  /** Every shard not yet expired, in id order. */
  shards: ShardState[];
  /** Open shards sorted by starting hash key, for routing writes. */
  open: ShardState[];
  nextShardIndex: number;
  tags: Map<string, string>;
  /** Clock times of accepted UpdateShardCount calls, for the rolling 24 h limit. */
  scalingOps: number[];
  timer?: TimerHandle;
  /** Peak open shards while UPDATING (the temporary shards of the planned reshard). */
  peakOpenShards?: number;
  retentionHours: number;
  shardLevelMetrics: Set<string>;
  consumers: Map<string, Consumer>;
  /** The shard of every stored record, in arrival order from `arrivalsHead` (for trimming). */
  arrivals: ShardState[];
  arrivalsHead: number;
  storedBytes: number;
  /** Clock times of accepted SplitShard/MergeShards/UpdateStreamMode calls. */
  modeChanges: number[];
}
