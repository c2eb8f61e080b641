/**
 * The pure part of resharding: how UpdateShardCount's uniform scaling turns the open shards into
 * splits and merges. No clock, no state; the model applies the plan.
 *
 * Every old open shard is split at the new uniform boundaries that fall inside it, then pieces that
 * belong to the same new shard are merged pairwise, left to right. Pieces and partial merges are
 * short-lived shards, so lineage stays a chain of real split/merge steps with at most two parents
 * per shard. The account shard quota is checked against the peak open count of that plan (all
 * pieces open at once), which is how the temporary shards of resharding count against it.
 */

export const HASH_KEY_SPACE = 1n << 128n;
export const MAX_HASH_KEY = HASH_KEY_SPACE - 1n;

export interface KeyRange {
  start: bigint;
  end: bigint;
}

/**
 * One step of a plan. Shards are named by their position in a list that starts with the open
 * shards (sorted by starting hash key) and grows as steps create shards: a split appends its left
 * then its right child, a merge appends its one child.
 */
export type ReshardStep =
  | { type: 'split'; parent: number; at: bigint }
  | { type: 'merge'; parent: number; adjacent: number };

export interface ReshardPlan {
  steps: ReshardStep[];
  /** Positions (in the growing list) of the resulting open shards, by starting hash key. */
  finals: number[];
  /** Open shards at the busiest moment of the plan: one per piece. */
  peakOpen: number;
}

/** Start of the j-th of `count` uniform hash key ranges (AWS's own split of the key space). */
export const uniformStart = (j: number, count: number) =>
  (BigInt(j) * HASH_KEY_SPACE) / BigInt(count);

/** `open` must be sorted by start and cover the key space without gaps. */
export function planUniformReshard(open: readonly KeyRange[], target: number): ReshardPlan {
  const bounds: bigint[] = [];
  for (let j = 0; j <= target; j++) bounds.push(uniformStart(j, target));
  const ranges: KeyRange[] = open.map((r) => ({ start: r.start, end: r.end }));
  const steps: ReshardStep[] = [];
  const add = (r: KeyRange) => ranges.push(r) - 1;
  const pieces: number[] = [];
  let k = 0;
  open.forEach((old, oldPos) => {
    let current = oldPos;
    while (k < bounds.length && bounds[k]! <= old.start) k++;
    for (; k < bounds.length && bounds[k]! <= old.end; k++) {
      const b = bounds[k]!;
      const r = ranges[current]!;
      steps.push({ type: 'split', parent: current, at: b });
      pieces.push(add({ start: r.start, end: b - 1n }));
      current = add({ start: b, end: r.end });
    }
    pieces.push(current);
  });
  const finals: number[] = [];
  let i = 0;
  for (let j = 0; j < target; j++) {
    const end = bounds[j + 1]! - 1n;
    let acc = pieces[i++]!;
    while (ranges[acc]!.end < end) {
      const next = pieces[i++]!;
      steps.push({ type: 'merge', parent: acc, adjacent: next });
      acc = add({ start: ranges[acc]!.start, end: ranges[next]!.end });
    }
    finals.push(acc);
  }
  return { steps, finals, peakOpen: pieces.length };
}

/** Open shards at the busiest moment of the split-then-merge plan: one per piece. */
export function peakOpenDuringReshard(open: readonly KeyRange[], target: number): number {
  const starts = new Set(open.map((s) => s.start));
  for (let j = 0; j < target; j++) starts.add(uniformStart(j, target));
  return starts.size;
}

/**
 * How long a reshard keeps a stream UPDATING, in milliseconds: the one model of resharding time
 * that the emulator (UpdateShardCount, SplitShard, MergeShards) and the fleet simulator share.
 *
 * AWS says resharding "could take a few minutes", that its time grows with the stream, and that
 * targets which are a multiple of 25% of the current count (+-25%, 50%, 75%, 100%) complete faster.
 * The model:
 * - the reshard is its uniform split/merge plan (`planUniformReshard`), run `PARALLEL_RESHARD_OPS`
 *   operations at a time, each batch taking `baseMs` (so a 1 -> 2 split takes exactly `baseMs`,
 *   the emulator's `reshardingMs` setting, and a large stream proportionally longer);
 * - a target that is not a multiple of 25% of the current count takes twice as long;
 * - a single SplitShard or MergeShards is one operation: `baseMs`.
 * Only the new shards' capacity depends on it: they open, and take writes, when it is over.
 */
export const PARALLEL_RESHARD_OPS = 10;

export function reshardingDurationMs(current: number, target: number, baseMs: number): number {
  if (current === target) return 0;
  const open: KeyRange[] = [];
  for (let j = 0; j < current; j++)
    open.push({ start: uniformStart(j, current), end: uniformStart(j + 1, current) - 1n });
  return durationForOps(planUniformReshard(open, target).steps.length, current, target, baseMs);
}

/** The same model for a plan already made (a stream whose ranges are uneven). */
export function durationForOps(ops: number, current: number, target: number, baseMs: number) {
  const batches = Math.max(1, Math.ceil(ops / PARALLEL_RESHARD_OPS));
  const aligned = (4 * target) % current === 0;
  return baseMs * batches * (aligned ? 1 : 2);
}
