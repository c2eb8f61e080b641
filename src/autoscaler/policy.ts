import type { Direction } from './alarm-contract.js';
import type { ScalingConfig } from './config.js';
import { applyLimits } from './limits.js';
import { summarizeLoad, type LoadSummary, type MinuteLoad } from './load.js';

export interface PolicyInput {
  direction: Direction;
  currentShards: number;
  /** Per-minute load over the direction's lookback window, ending at the alarm's state change. */
  load: readonly MinuteLoad[];
  config: ScalingConfig;
  operationsInLast24h: number;
}

export type Decision =
  | {
      action: 'scale';
      target: number;
      desired: number;
      reason: string;
      load: LoadSummary;
      boundBy: string[];
    }
  | { action: 'none'; desired: number; reason: string; load: LoadSummary; boundBy: string[] };

/**
 * The peers' rules, reproduced for comparison in simulations. Neither looks at throttling.
 * seed: the Python original: up by 100% below 3 shards, 50% below 50, 25% above; down to
 * max(n/2, 2 x peak usage x n) over its (24-hour) scale-down window.
 * double-halve: the AWS sample: x2 up, /2 down.
 */
function peerDesired(
  policy: 'seed' | 'double-halve',
  direction: Direction,
  n: number,
  load: LoadSummary,
): number {
  if (policy === 'double-halve') return direction === 'up' ? 2 * n : Math.ceil(n / 2);
  if (direction === 'up') return n < 3 ? 2 * n : n < 50 ? Math.ceil(n * 1.5) : Math.ceil(n * 1.25);
  return Math.max(Math.ceil(n / 2), Math.ceil(2 * load.peakUtilization * n - 1e-9));
}

/** The shard count the load calls for, before limits. */
export function desiredShards(
  input: Pick<PolicyInput, 'direction' | 'currentShards' | 'config'>,
  load: LoadSummary,
): {
  desired: number;
  reason: string;
} {
  const n = input.currentShards;
  const target = input.config.targetUtilization;
  if (input.config.policy !== 'ours') {
    const desired = peerDesired(input.config.policy, input.direction, n, load);
    return {
      desired,
      reason: `${input.config.policy} policy; peak usage ${pct(load.peakUtilization)} of ${n} shards over ${load.minutes} min`,
    };
  }
  if (input.direction === 'up') {
    const throttled = load.throttledRecords > 0;
    const demand = throttled ? load.peakDemandUtilization : load.peakUtilization;
    const byLoad = Math.ceil((n * demand) / target - 1e-9);
    const desired = Math.max(n + 1, byLoad);
    const reason = throttled
      ? `${load.throttledRecords} records throttled; estimated peak demand ${pct(demand)} of ${n} shards, sized for ${pct(target)}`
      : `peak usage ${pct(load.peakUtilization)} of ${n} shards over ${load.minutes} min, sized for ${pct(target)}`;
    return { desired, reason };
  }
  if (load.throttledRecords > 0) {
    return {
      desired: n,
      reason: `${load.throttledRecords} records were throttled in the last ${load.minutes} min; not scaling down`,
    };
  }
  const desired = Math.max(1, Math.ceil((n * load.peakUtilization) / target - 1e-9));
  return {
    desired,
    reason: `peak usage ${pct(load.peakUtilization)} of ${n} shards over ${load.minutes} min, sized for ${pct(target)}`,
  };
}

export function decide(input: PolicyInput): Decision {
  const load = summarizeLoad(input.load, input.currentShards);
  const { desired, reason } = desiredShards(input, load);
  const limited = applyLimits({
    direction: input.direction,
    currentShards: input.currentShards,
    desired,
    config: input.config,
    operationsInLast24h: input.operationsInLast24h,
  });
  if (!limited.allowed) {
    return {
      action: 'none',
      desired,
      reason: `${reason}; ${limited.reason}`,
      load,
      boundBy: limited.boundBy,
    };
  }
  const bounds = limited.boundBy.length > 0 ? ` (bound by ${limited.boundBy.join(', ')})` : '';
  return {
    action: 'scale',
    target: limited.target,
    desired,
    reason: `${reason}: ${input.currentShards} -> ${limited.target} shards${bounds}`,
    load,
    boundBy: limited.boundBy,
  };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
