import {
  KINESIS_MAX_SHARDS_PER_STREAM,
  OPERATIONS_RESERVED_FOR_SCALE_UP,
  SCALING_OPERATIONS_PER_DAY,
  type ScalingConfig,
} from './config.js';
import type { Direction } from './alarm-contract.js';

export interface LimitInput {
  direction: Direction;
  currentShards: number;
  desired: number;
  config: Pick<ScalingConfig, 'minShards' | 'maxShards'>;
  /** UpdateShardCount calls on this stream in the 24 hours before the event. */
  operationsInLast24h: number;
}

/**
 * Why the rolling 24-hour quota forbids a scaling in this direction, or undefined. Needs no load
 * figures, so the scaler can answer a refused alarm without reading metrics.
 */
export function quotaRefusal(
  direction: Direction,
  operationsInLast24h: number,
): string | undefined {
  const quotaLeft = SCALING_OPERATIONS_PER_DAY - operationsInLast24h;
  if (quotaLeft <= 0) {
    return `daily quota used: ${operationsInLast24h} of ${SCALING_OPERATIONS_PER_DAY} UpdateShardCount calls in the last 24 hours`;
  }
  if (direction === 'down' && quotaLeft <= OPERATIONS_RESERVED_FOR_SCALE_UP) {
    return `only ${quotaLeft} UpdateShardCount calls left in the last 24 hours; they are kept for scale-ups`;
  }
  return undefined;
}

export type LimitResult =
  | { allowed: true; target: number; boundBy: string[] }
  | { allowed: false; reason: string; boundBy: string[] };

/**
 * Fits a desired shard count into what Kinesis and the configuration allow. The configured bounds
 * come first and Kinesis's 2x / half rule last, because a request outside 2x / half is refused by
 * Kinesis outright while a configured bound can be reached over several steps.
 */
export function applyLimits(input: LimitInput): LimitResult {
  const { direction, currentShards: n, config } = input;
  const boundBy: string[] = [];
  const quota = quotaRefusal(direction, input.operationsInLast24h);
  if (quota) return { allowed: false, reason: quota, boundBy };

  let target = input.desired;
  const bound = (value: number, label: string) => {
    if (value !== target) boundBy.push(label);
    target = value;
  };
  if (target > config.maxShards) bound(config.maxShards, `max shards ${config.maxShards}`);
  if (target < config.minShards) bound(config.minShards, `min shards ${config.minShards}`);
  if (target > KINESIS_MAX_SHARDS_PER_STREAM)
    bound(KINESIS_MAX_SHARDS_PER_STREAM, 'Kinesis limit of 10,000 shards');
  if (target > 2 * n) bound(2 * n, `at most double (${2 * n})`);
  const half = Math.ceil(n / 2);
  if (target < half) bound(half, `at least half (${half})`);
  target = Math.max(1, target);

  if (direction === 'up' && target <= n) {
    return {
      allowed: false,
      reason: `already at ${n} shards; the limits (${boundBy.join(', ') || 'none'}) allow no more`,
      boundBy,
    };
  }
  if (direction === 'down' && target >= n) {
    return {
      allowed: false,
      reason:
        boundBy.length > 0
          ? `already at ${n} shards; the limits (${boundBy.join(', ')}) allow no fewer`
          : `load needs ${input.desired} shards, not fewer than the current ${n}`,
      boundBy,
    };
  }
  return { allowed: true, target, boundBy };
}
