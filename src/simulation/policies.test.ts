import { describe, expect, it } from 'vitest';
import { buildAlarmPair } from '../autoscaler/alarm-contract.js';
import { DEFAULT_SCALING, streamConfig } from '../autoscaler/config.js';
import type { MinuteLoad } from '../autoscaler/load.js';
import { decide } from '../autoscaler/policy.js';
import { warmupMinutes } from './loop.js';
import { doubleHalvePolicy, oursPolicy, seedPolicy, type PolicyConfig } from './policies.js';
import { MiB } from './trace.js';

/** Five minutes at `usage` of `n` shards' byte capacity. */
function load(usage: number, n: number): MinuteLoad[] {
  return Array.from({ length: 5 }, (_, i) => ({
    timestamp: i * 60_000,
    bytes: usage * MiB * 60 * n,
    records: 0,
    throttledRecords: 0,
  }));
}

/** What the handler decides for a stream tagged by `policy`, as it reads the tags. */
function target(policy: PolicyConfig, direction: 'up' | 'down', n: number, usage: number) {
  const config = streamConfig(DEFAULT_SCALING, policy.tags);
  const d = decide({
    direction,
    currentShards: n,
    load: load(usage, n),
    config,
    operationsInLast24h: 0,
  });
  return d.action === 'scale' ? d.target : n;
}

const alarmsOf = (policy: PolicyConfig) =>
  buildAlarmPair({
    streamName: 's',
    shardCount: 4,
    scaleUpTopicArn: 'arn:aws:sns:us-east-1:000000000000:up',
    scaleDownTopicArn: 'arn:aws:sns:us-east-1:000000000000:down',
    scaleUp: policy.scaleUp,
    scaleDown: policy.scaleDown,
  });

describe('seed (the Python original) as tags and alarms', () => {
  const seed = seedPolicy();

  it('is selected by tags, with a 24-hour scale-down lookback', () => {
    const config = streamConfig(DEFAULT_SCALING, seed.tags);
    expect(config.policy).toBe('seed');
    expect(config.scaleDownLookbackMinutes).toBe(1440);
  });

  it('scales up by 100% below 3 shards, 50% below 50, 25% above', () => {
    expect(target(seed, 'up', 1, 0.8)).toBe(2);
    expect(target(seed, 'up', 2, 0.8)).toBe(4);
    expect(target(seed, 'up', 10, 0.8)).toBe(15);
    expect(target(seed, 'up', 60, 0.8)).toBe(75);
  });

  it('scales down to max(n/2, 2 x peak usage x n)', () => {
    expect(target(seed, 'down', 10, 0.1)).toBe(5);
    expect(target(seed, 'down', 10, 0.2)).toBe(5);
    expect(target(seed, 'down', 20, 0.2)).toBe(10);
    expect(target(seed, 'down', 10, 0.3)).toBe(6);
    expect(target(seed, 'down', 100, 0.3)).toBe(60);
  });

  it('alarms at 0.75 for 1 of 1 and below 0.25 for 288 of 288 five-minute periods', () => {
    const { up, down } = alarmsOf(seed);
    expect(up).toMatchObject({ Threshold: 0.75, EvaluationPeriods: 1, DatapointsToAlarm: 1 });
    expect(down).toMatchObject({ Threshold: 0.25, EvaluationPeriods: 288, DatapointsToAlarm: 288 });
    for (const alarm of [up, down]) {
      expect(alarm.Metrics?.find((q) => q.Id === 'm1')?.MetricStat?.Period).toBe(300);
    }
    expect(warmupMinutes(seed)).toBeGreaterThanOrEqual(1440);
  });
});

describe('double-halve (the AWS sample) as tags and alarms', () => {
  const dh = doubleHalvePolicy();

  it('doubles and halves whatever the load', () => {
    expect(target(dh, 'up', 3, 0.8)).toBe(6);
    expect(target(dh, 'up', 3, 5)).toBe(6);
    expect(target(dh, 'down', 8, 0.01)).toBe(4);
    expect(target(dh, 'down', 5, 0.2)).toBe(3);
  });

  it('alarms at 0.75 for 5 of 5 and below 0.25 for 57 of 60 five-minute periods', () => {
    const { up, down } = alarmsOf(dh);
    expect(up).toMatchObject({ Threshold: 0.75, EvaluationPeriods: 5, DatapointsToAlarm: 5 });
    expect(down).toMatchObject({ Threshold: 0.25, EvaluationPeriods: 60, DatapointsToAlarm: 57 });
  });
});

describe('ours', () => {
  it('uses the default alarms and writes its knobs as tags', () => {
    const ours = oursPolicy();
    const config = streamConfig(DEFAULT_SCALING, ours.tags);
    expect(config).toEqual(DEFAULT_SCALING);
    const { up, down } = alarmsOf(ours);
    expect(up).toMatchObject({ Threshold: 0.75, EvaluationPeriods: 1, DatapointsToAlarm: 1 });
    expect(down).toMatchObject({ Threshold: 0.25, EvaluationPeriods: 12, DatapointsToAlarm: 12 });
    // Up, without history (the levers need it): ceil(n x peak / target) = ceil(10 x 0.8 / 0.45) = 18.
    expect(target(ours, 'up', 10, 0.8)).toBe(18);
  });

  it('takes tunings as tag and alarm overrides', () => {
    const tuned = oursPolicy({
      label: 'x',
      scaling: { targetUtilization: 0.6 },
      scaleDown: { evaluationPeriods: 36, datapointsToAlarm: 36 },
    });
    expect(streamConfig(DEFAULT_SCALING, tuned.tags).targetUtilization).toBe(0.6);
    expect(alarmsOf(tuned).down).toMatchObject({ EvaluationPeriods: 36, DatapointsToAlarm: 36 });
  });
});
