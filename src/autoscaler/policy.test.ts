import { describe, expect, it } from 'vitest';
import { DEFAULT_SCALING, type ScalingConfig } from './config.js';
import { applyLimits } from './limits.js';
import { SHARD_BYTES_PER_SECOND, type MinuteLoad } from './load.js';
import type { DemandHistory } from './forecast.js';
import { decide } from './policy.js';

const MiB = SHARD_BYTES_PER_SECOND;

/** `u` is the per-minute byte utilisation of `shards` shards, in 2 KiB records so bytes bind. */
function minutes(shards: number, us: number[], throttled: number[] = []): MinuteLoad[] {
  return us.map((u, i) => ({
    timestamp: i * 60_000,
    bytes: u * MiB * 60 * shards,
    records: (u * MiB * 60 * shards) / 2048,
    throttledRecords: throttled[i] ?? 0,
  }));
}

/** The reactive rules at a 50% target; the levers only act with history (see the last block). */
const cfg = (over: Partial<ScalingConfig> = {}): ScalingConfig => ({
  ...DEFAULT_SCALING,
  targetUtilization: 0.5,
  ...over,
});

describe('decide (policy table)', () => {
  it.each`
    case                                         | direction | n     | us                  | throttled   | config                        | ops   | action     | target
    ${'up: sized for target utilisation'}        | ${'up'}   | ${4}  | ${[0.5, 0.8, 0.7]}  | ${[]}       | ${{}}                         | ${0}  | ${'scale'} | ${7}
    ${'up: at least one more shard'}             | ${'up'}   | ${4}  | ${[0.3, 0.2]}       | ${[]}       | ${{}}                         | ${0}  | ${'scale'} | ${5}
    ${'up: capped at double'}                    | ${'up'}   | ${2}  | ${[3]}              | ${[]}       | ${{}}                         | ${0}  | ${'scale'} | ${4}
    ${'up: throttled demand goes higher'}        | ${'up'}   | ${4}  | ${[0.6]}            | ${[50_000]} | ${{}}                         | ${0}  | ${'scale'} | ${8}
    ${'up: throttled with high target util'}     | ${'up'}   | ${10} | ${[0.9]}            | ${[100]}    | ${{ targetUtilization: 0.8 }} | ${0}  | ${'scale'} | ${12}
    ${'up: max shards respected'}                | ${'up'}   | ${4}  | ${[0.9]}            | ${[]}       | ${{ maxShards: 6 }}           | ${0}  | ${'scale'} | ${6}
    ${'up: at max shards, nothing'}              | ${'up'}   | ${6}  | ${[0.9]}            | ${[]}       | ${{ maxShards: 6 }}           | ${0}  | ${'none'}  | ${undefined}
    ${'up: daily quota used'}                    | ${'up'}   | ${4}  | ${[0.9]}            | ${[]}       | ${{}}                         | ${10} | ${'none'}  | ${undefined}
    ${'up: may use the reserved operations'}     | ${'up'}   | ${4}  | ${[0.9]}            | ${[]}       | ${{}}                         | ${9}  | ${'scale'} | ${8}
    ${'down: sized for target utilisation'}      | ${'down'} | ${8}  | ${[0.2, 0.25, 0.1]} | ${[]}       | ${{}}                         | ${0}  | ${'scale'} | ${4}
    ${'down: no further than half'}              | ${'down'} | ${8}  | ${[0.01]}           | ${[]}       | ${{}}                         | ${0}  | ${'scale'} | ${4}
    ${'down: min shards respected'}              | ${'down'} | ${8}  | ${[0.01]}           | ${[]}       | ${{ minShards: 6 }}           | ${0}  | ${'scale'} | ${6}
    ${'down: at min shards, nothing'}            | ${'down'} | ${2}  | ${[0.01]}           | ${[]}       | ${{ minShards: 2 }}           | ${0}  | ${'none'}  | ${undefined}
    ${'down: load still needs current count'}    | ${'down'} | ${4}  | ${[0.3, 0.45]}      | ${[]}       | ${{}}                         | ${0}  | ${'none'}  | ${undefined}
    ${'down: never after throttling'}            | ${'down'} | ${4}  | ${[0.05]}           | ${[10]}     | ${{}}                         | ${0}  | ${'none'}  | ${undefined}
    ${'down: a fraction of a record is residue'} | ${'down'} | ${4}  | ${[0.05]}           | ${[1e-9]}   | ${{}}                         | ${0}  | ${'scale'} | ${2}
    ${'down: last two operations kept for up'}   | ${'down'} | ${8}  | ${[0.05]}           | ${[]}       | ${{}}                         | ${8}  | ${'none'}  | ${undefined}
    ${'down: seven used, one more allowed'}      | ${'down'} | ${8}  | ${[0.05]}           | ${[]}       | ${{}}                         | ${7}  | ${'scale'} | ${4}
    ${'down: idle stream'}                       | ${'down'} | ${3}  | ${[0, 0, 0]}        | ${[]}       | ${{}}                         | ${0}  | ${'scale'} | ${2}
    ${'down: one shard cannot go lower'}         | ${'down'} | ${1}  | ${[0]}              | ${[]}       | ${{}}                         | ${0}  | ${'none'}  | ${undefined}
  `('$case', ({ direction, n, us, throttled, config, ops, action, target }) => {
    const d = decide({
      direction,
      currentShards: n,
      load: minutes(n, us, throttled),
      config: cfg(config),
      operationsInLast24h: ops,
    });
    expect(d.action).toBe(action);
    if (d.action === 'scale') expect(d.target).toBe(target);
    expect(d.reason.length).toBeGreaterThan(10);
  });

  it('answers throttling below the target with one more shard, unless it predates the last scaling', () => {
    // 8 shards at 30% (the target is 50%) throttled in minutes 1 and 2 of the lookback.
    const load = minutes(8, [0.3, 0.3, 0.3, 0.3], [0, 2000, 3000, 0]);
    const at = (lastScalingAt?: number) =>
      decide({
        direction: 'up',
        currentShards: 8,
        load,
        config: cfg(),
        operationsInLast24h: 1,
        lastScalingAt,
      });
    // The usage that throttled is logged with the decision.
    expect(at(undefined)).toMatchObject({
      action: 'scale',
      target: 9,
      explanation: { throttledAt: 0.3 },
    });
    // Scaled in minute 0: minutes 1 and 2 ran at 8 shards and throttled.
    expect(at(0)).toMatchObject({ action: 'scale', target: 9 });
    // Scaled in minute 2: only minute 3 ran at 8 shards, and it did not throttle.
    const held = at(2 * 60_000);
    expect(held).toMatchObject({ action: 'none', explanation: { rule: 'hold' } });
    expect(held.explanation.throttledAt).toBeUndefined();
    expect(held.reason).toMatch(/throttled before the scaling at 1970-01-01T00:02:00.000Z/);
  });

  it('does not scale down into a usage that throttled in recent decisions', () => {
    // 8 shards at 20%: 1.6 shards of demand, 4 shards at the 50% target.
    const down = (throttleOnset?: number) =>
      decide({
        direction: 'down',
        currentShards: 8,
        load: minutes(8, [0.2, 0.2]),
        config: cfg(),
        operationsInLast24h: 1,
        throttleOnset,
      });
    expect(down(undefined)).toMatchObject({ action: 'scale', target: 4 });
    // It throttled at 40%: sized for 34%, 1.6 / 0.34 = 4.7 -> 5 shards.
    expect(down(0.4)).toMatchObject({ action: 'scale', target: 5 });
    // Above the configured target the onset changes nothing.
    expect(down(0.9)).toMatchObject({ action: 'scale', target: 4 });
  });

  it('uses records when they bind before bytes', () => {
    // 4 shards, 3,000 tiny records/s = 75% of the record limit, 0.3% of the byte limit.
    const load: MinuteLoad[] = [
      { timestamp: 0, bytes: 3000 * 60 * 10, records: 3000 * 60, throttledRecords: 0 },
    ];
    const d = decide({
      direction: 'up',
      currentShards: 4,
      load,
      config: cfg(),
      operationsInLast24h: 0,
    });
    expect(d.load.peakUtilization).toBeCloseTo(0.75);
    expect(d).toMatchObject({ action: 'scale', target: 6 });
  });

  it('estimates throttled bytes at the average record size', () => {
    const load: MinuteLoad[] = [
      { timestamp: 0, bytes: 60 * MiB, records: 30 * 1024, throttledRecords: 30 * 1024 },
    ];
    const d = decide({
      direction: 'up',
      currentShards: 2,
      load,
      config: cfg(),
      operationsInLast24h: 0,
    });
    expect(d.load.peakUtilization).toBeCloseTo(0.5);
    expect(d.load.peakDemandUtilization).toBeCloseTo(1);
  });
});

describe('peer policies', () => {
  it.each`
    policy            | direction | n     | us       | target
    ${'seed'}         | ${'up'}   | ${2}  | ${[0.9]} | ${4}
    ${'seed'}         | ${'up'}   | ${3}  | ${[0.9]} | ${5}
    ${'seed'}         | ${'up'}   | ${49} | ${[0.9]} | ${74}
    ${'seed'}         | ${'up'}   | ${50} | ${[0.9]} | ${63}
    ${'seed'}         | ${'down'} | ${10} | ${[0.1]} | ${5}
    ${'seed'}         | ${'down'} | ${10} | ${[0.3]} | ${6}
    ${'double-halve'} | ${'up'}   | ${3}  | ${[0.9]} | ${6}
    ${'double-halve'} | ${'down'} | ${5}  | ${[0.1]} | ${3}
  `('$policy $direction from $n shards -> $target', ({ policy, direction, n, us, target }) => {
    const d = decide({
      direction,
      currentShards: n,
      load: minutes(n, us),
      config: cfg({ policy }),
      operationsInLast24h: 0,
    });
    expect(d).toMatchObject({ action: 'scale', target });
  });
});

describe('applyLimits', () => {
  it('names every bound it applied', () => {
    const r = applyLimits({
      direction: 'up',
      currentShards: 3,
      desired: 20,
      config: { minShards: 1, maxShards: 10 },
      operationsInLast24h: 0,
    });
    expect(r).toEqual({
      allowed: true,
      target: 6,
      boundBy: ['max shards 10', 'at most double (6)'],
    });
  });
  it('keeps Kinesis half rule over a configured minimum above it... from below', () => {
    const r = applyLimits({
      direction: 'down',
      currentShards: 20,
      desired: 2,
      config: { minShards: 4, maxShards: 100 },
      operationsInLast24h: 0,
    });
    expect(r).toMatchObject({ allowed: true, target: 10 });
  });
  it('lets a lowered max pull a stream down, half at a time', () => {
    const r = applyLimits({
      direction: 'down',
      currentShards: 40,
      desired: 30,
      config: { minShards: 1, maxShards: 8 },
      operationsInLast24h: 0,
    });
    expect(r).toMatchObject({ allowed: true, target: 20 });
  });
  it('caps at 10,000 shards per stream', () => {
    const r = applyLimits({
      direction: 'up',
      currentShards: 8000,
      desired: 16000,
      config: { minShards: 1, maxShards: 20000 },
      operationsInLast24h: 0,
    });
    expect(r).toMatchObject({ allowed: true, target: 10000 });
  });
});

describe('ours with history (levers)', () => {
  const DAY = 86_400_000;
  const HOUR = 3_600_000;
  const NOW = 100 * DAY;
  /** Eight days of 5-minute demand (shards): busy 09:00-17:00 at `busy`, else `quiet`. */
  function office(busy: number, quiet: number): DemandHistory {
    const start = NOW - 8 * DAY;
    const shards: number[] = [];
    for (let t = start; t < NOW; t += 300_000) {
      const h = Math.floor((t % DAY) / HOUR);
      shards.push(h >= 9 && h < 17 ? busy : quiet);
    }
    return { start, periodMs: 300_000, shards };
  }
  /** The history as seen at `at`, and a decision then. */
  function at(
    hour: number,
    history: DemandHistory,
    args: {
      direction: 'up' | 'down';
      n: number;
      us: number[];
      ops?: number;
      over?: Partial<ScalingConfig>;
      onset?: number;
    },
  ) {
    const now = NOW - DAY + hour * HOUR;
    const seen = { ...history, shards: history.shards.slice(0, (now - history.start) / 300_000) };
    return decide({
      direction: args.direction,
      currentShards: args.n,
      load: minutes(args.n, args.us),
      config: cfg(args.over),
      operationsInLast24h: args.ops ?? 0,
      context: { now, history: seen },
      throttleOnset: args.onset,
    });
  }
  const day = office(12, 2);

  it.each`
    case                                                     | hour    | direction | n     | us             | ops  | over                                  | action     | target       | rule
    ${'up before the morning ramp: sized for the forecast'}  | ${8.5}  | ${'up'}   | ${4}  | ${[0.8]}       | ${0} | ${{}}                                 | ${'scale'} | ${8}         | ${'forecast'}
    ${'same, forecast off: sized for the load only'}         | ${8.5}  | ${'up'}   | ${4}  | ${[0.8]}       | ${0} | ${{ forecast: false }}                | ${'scale'} | ${7}         | ${'load'}
    ${'down at 17:30 into an evening trough: allowed'}       | ${17.5} | ${'down'} | ${24} | ${[0.1]}       | ${0} | ${{}}                                 | ${'scale'} | ${12}        | ${'load'}
    ${'down at 07:30 before the ramp: held by the forecast'} | ${7.5}  | ${'down'} | ${24} | ${[0.1]}       | ${0} | ${{}}                                 | ${'none'}  | ${undefined} | ${'forecast'}
    ${'same, forecast off: scales down'}                     | ${7.5}  | ${'down'} | ${24} | ${[0.1]}       | ${0} | ${{ forecast: false }}                | ${'scale'} | ${12}        | ${'load'}
    ${'down that leaves too few calls for the day: held'}    | ${20}   | ${'down'} | ${24} | ${[0.05]}      | ${7} | ${{}}                                 | ${'none'}  | ${undefined} | ${'budget'}
    ${'same, budget off: scales down'}                       | ${20}   | ${'down'} | ${24} | ${[0.05]}      | ${7} | ${{ budget: false }}                  | ${'scale'} | ${12}        | ${'forecast'}
    ${'up with few calls left: stretched to reach the peak'} | ${21}   | ${'up'}   | ${4}  | ${[0.6]}       | ${7} | ${{ headroom: false }}                | ${'scale'} | ${6}         | ${'budget'}
    ${'same, budget off: the minimum'}                       | ${21}   | ${'up'}   | ${4}  | ${[0.6]}       | ${7} | ${{ headroom: false, budget: false }} | ${'scale'} | ${5}         | ${'load'}
    ${'down after a peak history does not repeat: let go'}   | ${19}   | ${'down'} | ${24} | ${[0.5, 0.05]} | ${0} | ${{}}                                 | ${'scale'} | ${12}        | ${'forecast'}
    ${'same, forecast off: held for the lookback peak'}      | ${19}   | ${'down'} | ${24} | ${[0.5, 0.05]} | ${0} | ${{ forecast: false }}                | ${'none'}  | ${undefined} | ${'load'}
    ${'a small step down is not worth a call'}               | ${20}   | ${'down'} | ${10} | ${[0.4]}       | ${0} | ${{ forecast: false }}                | ${'none'}  | ${undefined} | ${'hold'}
  `('$case', ({ hour, direction, n, us, ops, over, action, target, rule }) => {
    const d = at(hour, day, { direction, n, us, ops, over });
    expect(d.explanation.rule).toBe(rule);
    expect(d.action).toBe(action);
    if (d.action === 'scale') expect(d.target).toBe(target);
  });

  it('lets go of a spike above the forecast even where the stream throttled before', () => {
    // 12 shards of demand at 18:00-19:00 over a forecast of 2: a spike, 6x what is expected.
    // The onset floor (throttled at 40%) would keep 36 shards for it; the spike is let go.
    const args = { direction: 'down' as const, n: 24, us: [0.5, 0.05] };
    expect(at(19, day, { ...args, onset: 0.4 })).toMatchObject({ action: 'scale', target: 12 });
    // Near the forecast the floor holds: 2.4 shards of demand under 85% of a 40% onset need 8,
    // where the forecast alone goes to 6 (half of 12).
    const near = { direction: 'down' as const, n: 12, us: [0.2] };
    expect(at(19, day, near)).toMatchObject({ action: 'scale', target: 6 });
    expect(at(19, day, { ...near, onset: 0.4 })).toMatchObject({ action: 'scale', target: 8 });
  });

  it('keeps capacity for a day after a spike when spikes recur, unless headroom is off', () => {
    const h = office(12, 2);
    const throttled = h.shards.map(() => 0);
    // Spikes throttled at 10:00 today (10 hours before the decision) and on two earlier days.
    for (const t of [NOW - DAY + 10 * HOUR, NOW - 3 * DAY + 10 * HOUR, NOW - 5 * DAY + 10 * HOUR]) {
      throttled[(t - h.start) / 300_000] = 0.3;
    }
    const spiky = { ...h, throttled };
    const held = at(20, spiky, { direction: 'down', n: 24, us: [0.05] });
    expect(held).toMatchObject({ action: 'none' });
    expect(held.explanation.rule).toBe('hold');
    expect(held.reason).toMatch(/spikes recur/);
    const off = at(20, spiky, { direction: 'down', n: 24, us: [0.05], over: { headroom: false } });
    expect(off).toMatchObject({ action: 'scale', target: 12 });
    // A first spike is let go.
    throttled.fill(0);
    throttled[(NOW - DAY + 10 * HOUR - h.start) / 300_000] = 0.3;
    expect(at(20, spiky, { direction: 'down', n: 24, us: [0.05] })).toMatchObject({
      action: 'scale',
      target: 12,
    });
  });

  it('learns a lower target on a stream that jumps, unless headroom is off', () => {
    // Every hour demand jumps from 2 to 8 shards within one 5-minute period.
    const start = NOW - 8 * DAY;
    const shards: number[] = [];
    for (let i = 0; i < 8 * 288; i++) shards.push(i % 12 < 6 ? 2 : 8);
    const jumpy = { start, periodMs: 300_000, shards };
    const on = at(12, jumpy, { direction: 'up', n: 4, us: [0.8], over: { forecast: false } });
    const off = at(12, jumpy, {
      direction: 'up',
      n: 4,
      us: [0.8],
      over: { forecast: false, headroom: false },
    });
    expect(on.explanation.growth).toBeCloseTo(4);
    expect(on.explanation.target).toBeCloseTo(0.4);
    expect(on).toMatchObject({ action: 'scale', target: 8 });
    expect(off.explanation.target).toBe(0.5);
    expect(off).toMatchObject({ action: 'scale', target: 7 });
  });
});
