import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.js';
import type { MetricDataQuery, PutMetricAlarmInput } from './schemas.js';
import type { CloudWatchModel } from './model.js';
import { disposeModels, modelAt } from './test-model.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

afterEach(disposeModels);

function setup() {
  return modelAt(T0);
}

function put(model: CloudWatchModel, at: number, sum: number) {
  model.putMetric({
    namespace: 'App',
    metricName: 'Requests',
    dimensions: [],
    timestamp: at,
    unit: 'Count',
    sum,
    sampleCount: 1,
    min: sum,
    max: sum,
  });
}

/** FILL(m, 0) is pointwise, so its periods are remembered; FILL(m, REPEAT) is recomputed. */
function alarm(name: string, fill: string, m: number): PutMetricAlarmInput {
  const metrics: MetricDataQuery[] = [
    {
      Id: 'm',
      MetricStat: {
        Metric: { Namespace: 'App', MetricName: 'Requests' },
        Period: 300,
        Stat: 'Sum',
      },
      ReturnData: false,
    },
    { Id: 'e', Expression: `FILL(m, ${fill}) / 300`, ReturnData: true },
  ];
  return {
    AlarmName: name,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: 10,
    EvaluationPeriods: 6,
    DatapointsToAlarm: m,
    Metrics: metrics,
  };
}

const state = (model: CloudWatchModel, name: string) => {
  const a = model.describeAlarms({ AlarmNames: [name] }).MetricAlarms[0]!;
  return { state: a.StateValue as string, reason: a.StateReason as string };
};

describe('alarm series remembered per period', () => {
  it('recomputes a remembered period when a datapoint arrives late for its time', async () => {
    const { clock, model } = setup();
    model.putMetricAlarm(alarm('late', '0', 1));
    for (let i = 0; i < 40; i++) {
      put(model, clock.now(), 100);
      await clock.advance(MIN);
    }
    expect(state(model, 'late').state).toBe('OK');
    // 20 minutes back: inside the 30-minute window, in periods evaluated (and kept) many times.
    put(model, clock.now() - 20 * MIN, 5_000);
    await clock.advance(MIN);
    expect(state(model, 'late').state).toBe('ALARM');
  });

  it('gives the verdicts and reasons of a series recomputed in full every minute', async () => {
    const { clock, model } = setup();
    const next = mulberry32(7);
    // Data before the alarms: REPEAT has nothing to repeat before the first datapoint.
    for (let i = 0; i < 60; i++) {
      put(model, clock.now(), 400);
      await clock.advance(MIN);
    }
    model.putMetricAlarm(alarm('kept', '0', 4));
    model.putMetricAlarm(alarm('full', 'REPEAT', 4));
    const seen: string[] = [];
    for (let i = 0; i < 600; i++) {
      // Dense data (so REPEAT never fills), bursts that cross the threshold, and late writes.
      put(model, clock.now(), next() < 0.1 ? 1_500 : 400 + 300 * next());
      if (next() < 0.05) put(model, clock.now() - Math.floor(next() * 40) * MIN, 900);
      await clock.advance(MIN);
      const kept = state(model, 'kept');
      const full = state(model, 'full');
      expect(kept).toEqual(full);
      seen.push(kept.state);
    }
    expect(new Set(seen)).toEqual(new Set(['OK', 'ALARM']));
  });
});
