import type { StreamSummary } from './streams.js';
import { isPending, type ScalingLog, type ScalingLogEntry } from './scaling-log.js';

/**
 * Settling `pending` claims from the stream's real state. A claim is pending from the moment it is
 * written until its UpdateShardCount is confirmed; one left pending means the call's response was
 * lost (it may have been applied) or the invocation died between claim and call.
 */

/**
 * How long a pending claim may belong to a running invocation: the scaling functions' timeout
 * (serverless.yml `provider.timeout`). An invocation that wrote a claim this long ago has ended, so
 * its claim may be settled by someone else.
 */
export const CLAIM_TIMEOUT_MS = 60_000;

export type ClaimVerdict = 'applied' | 'not-applied' | 'unknown';

/**
 * What the stream says about a pending claim. Only an ACTIVE stream answers: while it is UPDATING
 * its open shard count is in flux. At the claim's target the call was applied; at its starting count
 * it was not. At another count, a rival claim from the same starting count whose target is what the
 * stream now has (the sibling alarm's Lambda racing this one) won, and this call was not applied;
 * otherwise Kinesis moved the stream away from where the claim found it, so the call was applied
 * (and something scaled it further since).
 */
export function claimVerdict(
  entry: ScalingLogEntry,
  stream: StreamSummary,
  log: readonly ScalingLogEntry[] = [],
): ClaimVerdict {
  if (stream.status !== 'ACTIVE') return 'unknown';
  if (stream.openShards === entry.target_shard_count) return 'applied';
  if (stream.openShards === entry.shard_count) return 'not-applied';
  const rivalWon = log.some(
    (other) =>
      other.scaling_datetime !== entry.scaling_datetime &&
      other.shard_count === entry.shard_count &&
      other.target_shard_count === stream.openShards,
  );
  return rivalWon ? 'not-applied' : 'applied';
}

export function isAbandoned(entry: ScalingLogEntry, now: number): boolean {
  if (!isPending(entry)) return false;
  const claimed = entry.claimed_at ? Date.parse(entry.claimed_at) : Number.NaN;
  // A pending row without a readable claim time was not written by a live invocation of ours.
  return Number.isNaN(claimed) || now - claimed >= CLAIM_TIMEOUT_MS;
}

export interface SettledClaim {
  scaling_datetime: string;
  shard_count: number;
  target_shard_count: number;
  settled: 'confirmed' | 'released';
}

/**
 * Confirms or releases every abandoned pending claim in `entries` that the stream's state can
 * answer for, and returns what it did. Claims of running invocations are left alone.
 */
export async function settleAbandonedClaims(
  log: ScalingLog,
  entries: readonly ScalingLogEntry[],
  stream: StreamSummary,
  now: number,
): Promise<SettledClaim[]> {
  const settled: SettledClaim[] = [];
  for (const entry of entries) {
    if (!isAbandoned(entry, now)) continue;
    const verdict = claimVerdict(entry, stream, entries);
    if (verdict === 'unknown') continue;
    if (verdict === 'applied') {
      await log.confirm(entry, 'state');
      entry.status = 'done';
      entry.confirmed_by = 'state';
    } else {
      await log.release(entry);
    }
    settled.push({
      scaling_datetime: entry.scaling_datetime,
      shard_count: entry.shard_count,
      target_shard_count: entry.target_shard_count,
      settled: verdict === 'applied' ? 'confirmed' : 'released',
    });
  }
  return settled;
}
