/**
 * Traffic as producers send it, on top of a trace's per-minute rates. Traces are 5-minute samples;
 * producers are neither flat within a sample nor spread evenly over shards. Two seeded models:
 *
 * - Burstiness: each second's rate is the minute's rate times a factor drawn from a log-normal
 *   distribution with mean 1 and coefficient of variation `burstiness` (independent per second),
 *   rescaled so the minute's total is exactly the trace's: every policy and baseline sees the same
 *   per-minute volume, and only what happens inside the minute differs.
 * - Key skew: records carry one of `KEYS` partition keys whose popularity follows a Zipf law with
 *   exponent `keySkew`; each key lands at the MD5 of its name in the hash key space, as Kinesis
 *   routes it, so a shard's share of the traffic is the popularity of the keys in its range. With
 *   uniform resharding the hot shards change as the shard count changes, as they do on AWS.
 *
 * Both are deterministic for a given seed, so runs stay comparable across policies.
 */
import { createHash } from 'node:crypto';
import { mulberry32 } from '../emulator/random.js';

/** Partition keys the skew model draws from: a service keyed by customer or device id. */
export const KEYS = 10_000;
export const DEFAULT_BURSTINESS = 0.2;
export const DEFAULT_KEY_SKEW = 0.5;
export const DEFAULT_SEED = 1;

export interface TrafficOptions {
  /** Coefficient of variation of per-second rates within a minute; 0 = flat. */
  burstiness: number;
  /** Zipf exponent of partition-key popularity; 0 = every key equally likely. */
  keySkew: number;
  seed: number;
}

/** The seeded generator behind the traffic models. */
export const rng = mulberry32;

/**
 * Per-second factors for one minute: log-normal with mean 1 and the given coefficient of
 * variation, rescaled to average exactly 1.
 */
export function burstFactors(
  next: () => number,
  cv: number,
  out = new Float64Array(60),
): Float64Array {
  if (cv <= 0) return out.fill(1);
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  let sum = 0;
  for (let i = 0; i < out.length; i += 2) {
    // Box-Muller gives two normals per pair of uniforms.
    const u = Math.max(next(), 1e-12);
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    const z = [r * Math.cos(2 * Math.PI * v), r * Math.sin(2 * Math.PI * v)];
    for (let k = 0; k < 2 && i + k < out.length; k++) {
      out[i + k] = Math.exp(sigma * z[k]! - (sigma * sigma) / 2);
      sum += out[i + k]!;
    }
  }
  const scale = out.length / sum;
  for (let i = 0; i < out.length; i++) out[i]! *= scale;
  return out;
}

const SPACE = 2 ** 128;

/**
 * The share of traffic whose hash key falls in [start, end], for Zipf(`skew`) popularity over
 * `keys` keys. Memoised per range, since the open shards change only when resharding.
 */
export function keyShares(
  skew: number,
  seed: number,
  keys = KEYS,
): (start: bigint, end: bigint) => number {
  const points: { at: number; p: number }[] = [];
  let total = 0;
  for (let k = 0; k < keys; k++) {
    const p = 1 / (k + 1) ** skew;
    const digest = createHash('md5').update(`key-${seed}-${k}`).digest();
    // The top 52 bits place the key finely enough among at most 10,000 shards.
    const at = (digest.readUInt32BE(0) * 2 ** 20 + (digest.readUInt32BE(4) >>> 12)) / 2 ** 52;
    points.push({ at, p });
    total += p;
  }
  points.sort((a, b) => a.at - b.at);
  const positions = Float64Array.from(points, (x) => x.at);
  const prefix = new Float64Array(keys + 1);
  points.forEach((x, i) => (prefix[i + 1] = prefix[i]! + x.p / total));
  // Index of the first key at or after x.
  const lowerBound = (x: number) => {
    let lo = 0;
    let hi = keys;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (positions[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const memo = new Map<bigint, Map<bigint, number>>();
  return (start, end) => {
    let byEnd = memo.get(start);
    const hit = byEnd?.get(end);
    if (hit !== undefined) return hit;
    const a = Number(start) / SPACE;
    const b = (Number(end) + 1) / SPACE;
    const share = prefix[lowerBound(b)]! - prefix[lowerBound(a)]!;
    if (!byEnd) memo.set(start, (byEnd = new Map()));
    byEnd.set(end, share);
    return share;
  };
}

/** The hottest of n uniform shards' share relative to an even 1/n: how skewed the stream is. */
export function hotShardFactor(shareOf: (start: bigint, end: bigint) => number, n: number): number {
  const space = 1n << 128n;
  let hottest = 0;
  for (let j = 0; j < n; j++) {
    const start = (BigInt(j) * space) / BigInt(n);
    const end = (BigInt(j + 1) * space) / BigInt(n) - 1n;
    hottest = Math.max(hottest, shareOf(start, end));
  }
  return hottest * n;
}
