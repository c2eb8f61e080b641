/**
 * Control-plane resharding: UpdateShardCount and the account shard quota.
 *
 * Resharding-time model: UpdateShardCount puts the stream in UPDATING for `reshardingMs` of clock
 * time; during that time the old shards stay open and take reads and writes at their old capacity.
 * When the time is up the plan of resharding.ts is applied at once.
 */
import { AwsError } from '../protocol/errors.js';
import { DAY_MS, MAX_SCALING_OPS_PER_24H, MAX_SHARDS_PER_STREAM } from './limits.js';
import { durationForOps, planUniformReshard } from './resharding.js';
import { parseShardId } from './store.js';
import type { StreamStore } from './store.js';
import type { ShardState, StreamRef, StreamState } from './types.js';
import { constraint, invalidArgument, validateInt } from './validation.js';

/**
 * SplitShard and MergeShards are rate-limited per account (AWS API reference: 5 transactions per
 * second for each), UpdateShardCount per stream (10 per second, over which "Rate exceeded").
 */
export const SPLIT_MERGE_CALLS_PER_SECOND = 5;
export const UPDATE_SHARD_COUNT_CALLS_PER_SECOND = 10;

export interface ScalingHost {
  readonly store: StreamStore;
  readonly accountShardLimit: number;
  readonly reshardingMs: number;
  schedule(stream: StreamState, delayMs: number, fn: () => void): void;
}

class PerSecond {
  private second = -1;
  private calls = 0;
  constructor(private readonly limit: number) {}
  take(now: number): boolean {
    const s = Math.floor(now / 1000);
    if (s !== this.second) {
      this.second = s;
      this.calls = 0;
    }
    if (this.calls >= this.limit) return false;
    this.calls++;
    return true;
  }
}

export class Scaling {
  private readonly splitRate = new PerSecond(SPLIT_MERGE_CALLS_PER_SECOND);
  private readonly mergeRate = new PerSecond(SPLIT_MERGE_CALLS_PER_SECOND);
  private readonly updateRate = new Map<string, PerSecond>();

  constructor(private readonly host: ScalingHost) {}

  splitShard(input: StreamRef & { ShardToSplit: string; NewStartingHashKey: string }): void {
    const { store } = this.host;
    const stream = store.requireStream(input);
    const now = store.clock.now();
    if (!this.splitRate.take(now)) throw this.rateExceeded(stream);
    const shard = this.openShard(stream, input.ShardToSplit);
    this.requireProvisioned(stream, 'SplitShard');
    this.checkAccountQuota(1);
    const key = BigInt(input.NewStartingHashKey);
    if (key <= shard.start + 1n || key >= shard.end) {
      throw invalidArgument(
        `NewStartingHashKey ${input.NewStartingHashKey} used in SplitShard() on shard ${shard.id} in stream ${stream.name} under account ${store.accountId} is not both greater than one plus the shard's StartingHashKey ${shard.start} and less than the shard's EndingHashKey ${shard.end}.`,
      );
    }
    this.requireActive(stream);
    stream.status = 'UPDATING';
    stream.peakOpenShards = stream.open.length + 1;
    this.host.schedule(stream, this.host.reshardingMs, () => {
      const at = store.clock.now();
      store.closeShard(shard, at);
      const left = store.newShard(stream, shard.start, key - 1n, at, shard.id);
      const right = store.newShard(stream, key, shard.end, at, shard.id);
      stream.open = stream.open.flatMap((s) => (s === shard ? [left, right] : [s]));
      stream.status = 'ACTIVE';
      delete stream.peakOpenShards;
    });
  }

  mergeShards(input: StreamRef & { ShardToMerge: string; AdjacentShardToMerge: string }): void {
    const { store } = this.host;
    const stream = store.requireStream(input);
    const now = store.clock.now();
    if (!this.mergeRate.take(now)) throw this.rateExceeded(stream);
    const a = this.openShard(stream, input.ShardToMerge);
    const b = this.openShard(stream, input.AdjacentShardToMerge);
    this.requireProvisioned(stream, 'MergeShards');
    if (a.end + 1n !== b.start && b.end + 1n !== a.start) {
      throw invalidArgument(
        `Shards ${a.id} and ${b.id} in stream ${stream.name} under account ${store.accountId} are not an adjacent pair of shards eligible for merging`,
      );
    }
    this.requireActive(stream);
    const [left, right] = a.start < b.start ? [a, b] : [b, a];
    stream.status = 'UPDATING';
    this.host.schedule(stream, this.host.reshardingMs, () => {
      const at = store.clock.now();
      store.closeShard(a, at);
      store.closeShard(b, at);
      const child = store.newShard(stream, left.start, right.end, at, a.id, b.id);
      stream.open = stream.open.flatMap((s) => (s === left ? [child] : s === right ? [] : [s]));
      stream.status = 'ACTIVE';
    });
  }

  private openShard(stream: StreamState, id: string): ShardState {
    const { store } = this.host;
    const index = parseShardId(id);
    const shard = stream.open.find((s) => s.index === index);
    if (!shard) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Could not find shard ${id} in stream ${stream.name} under account ${store.accountId}.`,
      );
    }
    return shard;
  }

  private requireActive(stream: StreamState): void {
    if (stream.status !== 'ACTIVE') {
      throw new AwsError(
        'ResourceInUseException',
        `Stream ${stream.name} under account ${this.host.store.accountId} not ACTIVE, instead in state ${stream.status}`,
      );
    }
  }

  private requireProvisioned(stream: StreamState, op: string): void {
    if (stream.mode === 'ON_DEMAND') {
      throw new AwsError(
        'ValidationException',
        `${op} is not supported for stream ${stream.name} under account ${this.host.store.accountId} because it is in ON_DEMAND capacity mode.`,
      );
    }
  }

  private rateExceeded(stream: StreamState): AwsError {
    return new AwsError(
      'LimitExceededException',
      `Rate exceeded for stream ${stream.name} under account ${this.host.store.accountId}.`,
    );
  }

  updateShardCount(input: StreamRef & { TargetShardCount: number; ScalingType: string }): {
    StreamName: string;
    StreamARN: string;
    CurrentShardCount: number;
    TargetShardCount: number;
  } {
    const { store } = this.host;
    validateInt(input.TargetShardCount, 'targetShardCount', 1, 100_000);
    if (input.ScalingType !== 'UNIFORM_SCALING') {
      throw constraint(
        'scalingType',
        input.ScalingType,
        'Member must satisfy enum value set: [UNIFORM_SCALING]',
      );
    }
    const stream = store.requireStream(input);
    let rate = this.updateRate.get(stream.name);
    if (!rate) {
      rate = new PerSecond(UPDATE_SHARD_COUNT_CALLS_PER_SECOND);
      this.updateRate.set(stream.name, rate);
    }
    if (!rate.take(store.clock.now())) throw this.rateExceeded(stream);
    this.requireProvisioned(stream, 'UpdateShardCount');
    this.requireActive(stream);
    const current = stream.open.length;
    const target = input.TargetShardCount;
    if (target === current) {
      throw invalidArgument(
        `UpdateShardCount target shard count ${target} is the same as the current open shard count of stream ${stream.name} under account ${store.accountId}.`,
      );
    }
    if (target > 2 * current) {
      throw new AwsError(
        'LimitExceededException',
        `UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: ${current}, Target shard count: ${target}`,
      );
    }
    if (2 * target < current) {
      throw new AwsError(
        'LimitExceededException',
        `UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: ${current}, Target shard count: ${target}`,
      );
    }
    if (target > MAX_SHARDS_PER_STREAM) {
      throw new AwsError(
        'LimitExceededException',
        `UpdateShardCount cannot scale up over ${MAX_SHARDS_PER_STREAM} shards in a stream. Current open shard count: ${current}, Target shard count: ${target}`,
      );
    }
    const now = store.clock.now();
    stream.scalingOps = stream.scalingOps.filter((t) => t > now - DAY_MS);
    if (stream.scalingOps.length >= MAX_SCALING_OPS_PER_24H) {
      const nextAllowed = new Date(stream.scalingOps[0]! + DAY_MS).toISOString();
      throw new AwsError(
        'LimitExceededException',
        `UpdateShardCount cannot be called more than ${MAX_SCALING_OPS_PER_24H} times in a rolling 24 hour period for stream ${stream.name} under account ${store.accountId}. The next scaling operation is allowed after ${nextAllowed}.`,
      );
    }
    const plan = planUniformReshard(stream.open, target);
    this.checkAccountQuota(plan.peakOpen - current);
    stream.scalingOps.push(now);
    stream.status = 'UPDATING';
    stream.peakOpenShards = plan.peakOpen;
    const duration = durationForOps(plan.steps.length, current, target, this.host.reshardingMs);
    this.host.schedule(stream, duration, () => {
      this.reshard(stream, target);
      stream.status = 'ACTIVE';
      delete stream.peakOpenShards;
    });
    return {
      StreamName: stream.name,
      StreamARN: stream.arn,
      CurrentShardCount: current,
      TargetShardCount: target,
    };
  }

  /** Number of UpdateShardCount calls still allowed in the current rolling 24 hours. */
  scalingOperationsLeft(ref: StreamRef): number {
    const stream = this.host.store.requireStream(ref);
    const now = this.host.store.clock.now();
    return MAX_SCALING_OPS_PER_24H - stream.scalingOps.filter((t) => t > now - DAY_MS).length;
  }

  checkAccountQuota(additional: number): void {
    const { store } = this.host;
    const current = this.accountOpenShards();
    const limit = this.host.accountShardLimit;
    if (current + additional > limit) {
      throw new AwsError(
        'LimitExceededException',
        `This request would exceed the shard limit for the account ${store.accountId} in ${store.region}. Current shard count for the account: ${current}. Limit: ${limit}. Number of additional shards that would have resulted from this request: ${additional}. Refer to the AWS Service Limits page (https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.`,
      );
    }
  }

  /** Open provisioned shards in the account, counting a resharding stream at its planned peak. */
  accountOpenShards(): number {
    let total = 0;
    for (const s of this.host.store.streams.values()) {
      if (s.mode !== 'PROVISIONED' || s.status === 'DELETING') continue;
      total += s.peakOpenShards ?? s.open.length;
    }
    return total;
  }

  private reshard(stream: StreamState, target: number): void {
    const { store } = this.host;
    const now = store.clock.now();
    const plan = planUniformReshard(stream.open, target);
    const shards: ShardState[] = [...stream.open];
    for (const step of plan.steps) {
      if (step.type === 'split') {
        const parent = shards[step.parent]!;
        store.closeShard(parent, now);
        shards.push(store.newShard(stream, parent.start, step.at - 1n, now, parent.id));
        shards.push(store.newShard(stream, step.at, parent.end, now, parent.id));
      } else {
        const left = shards[step.parent]!;
        const right = shards[step.adjacent]!;
        store.closeShard(left, now);
        store.closeShard(right, now);
        shards.push(store.newShard(stream, left.start, right.end, now, left.id, right.id));
      }
    }
    stream.open = plan.finals.map((i) => shards[i]!);
  }
}
