/**
 * The seed's arithmetic (the Python original this project replaces), kept pure so it can be checked
 * against the facts by hand: aws-facts.md, "The seed (Python original), exactly".
 */
import type { Direction } from '../../autoscaler/alarm-contract.js';

/** The seed reads its scale-down history at five-minute sums over the last day. */
export const SEED_PERIOD_SECONDS = 300;
export const SEED_LOOKBACK_MS = 24 * 3_600_000;
const MIB = 1024 * 1024;

/** +100% at up to 3 shards, +50% at up to 50, +25% above; no metrics are read. */
export function seedScaleUpTarget(n: number): number {
  const pct = n <= 3 ? 100 : n <= 50 ? 50 : 25;
  // Integer percentages keep ceil() exact: 3 x 150 / 100 is 4.5, never 4.500000001.
  return Math.ceil((n * (100 + pct)) / 100);
}

/** Usage of one five-minute period: the larger of the byte and record shares of capacity. */
export function seedUsage(bytes: number, records: number, n: number): number {
  return Math.max(
    bytes / (MIB * SEED_PERIOD_SECONDS * n),
    records / (1000 * SEED_PERIOD_SECONDS * n),
  );
}

/** max(ceil(n / 2), ceil(n x maxUsage x 2)) over the day's five-minute periods. */
export function seedScaleDownTarget(n: number, maxUsage: number): number {
  return Math.max(Math.ceil(n / 2), Math.ceil(n * maxUsage * 2 - 1e-9));
}

export function seedTarget(direction: Direction, n: number, maxUsage = 0): number {
  return direction === 'up' ? seedScaleUpTarget(n) : seedScaleDownTarget(n, maxUsage);
}
