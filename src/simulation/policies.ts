/**
 * The policies the simulator compares. `ours` (and its tunings) is a configuration of the packaged
 * production handler: stream tags that select its knobs, and the settings of its two alarms. The
 * peers run as themselves: their own Lambdas from `src/peers/` with their own alarms
 * (`runtime`), driven through the same loop.
 */
import {
  DEFAULT_SCALE_DOWN_ALARM,
  DEFAULT_SCALE_UP_ALARM,
  type AlarmSettings,
} from '../autoscaler/alarm-contract.js';
import type { PeerName } from './peers.js';
import {
  DEFAULT_SCALING,
  TAGS,
  type PolicyName,
  type ScalingConfig,
} from '../autoscaler/config.js';

export interface PolicyConfig {
  /** Label in tables and charts (a tuning of `ours` gets its own label). */
  label: string;
  policy: PolicyName;
  /** Tags on the stream; the handler reads them as per-stream overrides of its defaults. */
  tags: Record<string, string>;
  scaleUp: AlarmSettings;
  scaleDown: AlarmSettings;
  description: string;
  /** Which Lambda answers the alarms: the packaged autoscaler (default) or a peer's own handler. */
  runtime?: 'autoscaler' | PeerName;
}

function tagsOf(config: Partial<ScalingConfig>): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(config) as [keyof ScalingConfig, unknown][]) {
    if (value !== undefined) tags[TAGS[key]] = String(value);
  }
  return tags;
}

/**
 * The default policy. The knobs are written as tags even though they equal the handler's defaults,
 * so a run records exactly what it used and a tuning only has to change values here.
 */
export function oursPolicy(
  overrides: {
    label?: string;
    scaling?: Partial<ScalingConfig>;
    scaleUp?: Partial<AlarmSettings>;
    scaleDown?: Partial<AlarmSettings>;
  } = {},
): PolicyConfig {
  const scaling: Partial<ScalingConfig> = {
    policy: 'ours',
    targetUtilization: DEFAULT_SCALING.targetUtilization,
    scaleUpLookbackMinutes: DEFAULT_SCALING.scaleUpLookbackMinutes,
    scaleDownLookbackMinutes: DEFAULT_SCALING.scaleDownLookbackMinutes,
    headroom: DEFAULT_SCALING.headroom,
    forecast: DEFAULT_SCALING.forecast,
    forecastMinutes: DEFAULT_SCALING.forecastMinutes,
    budget: DEFAULT_SCALING.budget,
    ...overrides.scaling,
  };
  const scaleUp = { ...DEFAULT_SCALE_UP_ALARM, ...overrides.scaleUp };
  const scaleDown = { ...DEFAULT_SCALE_DOWN_ALARM, ...overrides.scaleDown };
  const target = `${scaling.targetUtilization}${scaling.headroom ? ' (lowered to 0.4 by the 99th-percentile 5-min growth of the last 8 days)' : ''}`;
  const levers = [
    scaling.forecast
      ? `while demand is within the forecast (second highest over the last 7 days of the next ${scaling.forecastMinutes} min's peak, scaled to today's level) it sizes the stream at ${scaling.targetUtilization}; a scale-down lets go of a lookback peak the forecast does not repeat`
      : undefined,
    scaling.headroom
      ? 'a stream with throttled spikes on earlier days and one in the last 24 h keeps its size for the day'
      : undefined,
    scaling.headroom
      ? 'a stream that throttled at usage u (last week of the scaling log) is sized for at most 0.85 u, and a scale-down keeps a non-spike lookback peak under it'
      : undefined,
    scaling.budget && scaling.forecast
      ? "scale-downs that leave too few of the 10 daily calls for the day's forecast peak wait, scale-ups with few calls left go further"
      : undefined,
  ].filter(Boolean);
  return {
    label: overrides.label ?? 'ours',
    policy: 'ours',
    tags: tagsOf(scaling),
    scaleUp,
    scaleDown,
    description:
      `up: usage >= ${scaleUp.threshold}${scaleUp.throttledShare === undefined ? '' : ` or > ${scaleUp.throttledShare * 100}% of records throttled`} for ${scaleUp.datapointsToAlarm} of ${scaleUp.evaluationPeriods} x ${scaleUp.periodSeconds / 60} min, ` +
      `to ceil(n x peak over ${scaling.scaleUpLookbackMinutes} min / ${target}) (throttled records added back to demand); ` +
      `down: usage < ${scaleDown.threshold} for ${scaleDown.datapointsToAlarm} of ${scaleDown.evaluationPeriods} x ${scaleDown.periodSeconds / 60} min, ` +
      `to ceil(n x peak over ${scaling.scaleDownLookbackMinutes} min / target), by at least 25%` +
      (levers.length > 0 ? `; ${levers.join('; ')}` : ''),
  };
}

/**
 * The Python original (src/peers/seed/): steps of 100% / 50% / 25% up on a single 5-minute breach;
 * down to max(n/2, 2 x the 24-hour maximum of 5-minute usage x n) after a whole day below 25%.
 */
export function seedPolicy(): PolicyConfig {
  return {
    label: 'seed',
    policy: 'seed',
    runtime: 'seed',
    tags: tagsOf({ policy: 'seed', scaleDownLookbackMinutes: 1440 }),
    // The seed's alarms watch usage only.
    scaleUp: {
      threshold: 0.75,
      periodSeconds: 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      throttledShare: undefined,
    },
    scaleDown: {
      threshold: 0.25,
      periodSeconds: 300,
      evaluationPeriods: 288,
      datapointsToAlarm: 288,
    },
    description:
      'its own Lambda; up: usage >= 0.75 for 1 of 1 x 5 min, x2 at <= 3 shards, x1.5 at <= 50, x1.25 above; ' +
      'down: usage < 0.25 for 288 of 288 x 5 min (24 h), to max(n/2, 2 x 24 h max of 5-min usage x n); ' +
      'raises on a refusal (Lambda retries twice, the alarm is not re-armed)',
  };
}

/**
 * The AWS sample (src/peers/double-halve/): doubles after 25 minutes above 75%, halves (integer
 * division) after 57 of 60 five-minute periods below 25%. The alarm settings here only size the
 * warm-up; the sample's own alarms are built by src/peers/double-halve/decide.ts.
 */
export function doubleHalvePolicy(): PolicyConfig {
  return {
    label: 'double-halve',
    policy: 'double-halve',
    runtime: 'double-halve',
    tags: tagsOf({ policy: 'double-halve' }),
    scaleUp: { threshold: 0.75, periodSeconds: 300, evaluationPeriods: 5, datapointsToAlarm: 5 },
    scaleDown: {
      threshold: 0.25,
      periodSeconds: 300,
      evaluationPeriods: 60,
      datapointsToAlarm: 57,
    },
    description:
      'its own Lambda; up: usage >= 0.75 for 5 of 5 x 5 min, x2; down: usage < 0.25 for 57 of 60 x 5 min, ' +
      'n/2 in integer division (a refused target sets the alarm to OK); down threshold -1 at one shard',
  };
}

export function policyConfig(name: PolicyName): PolicyConfig {
  switch (name) {
    case 'ours':
      return oursPolicy();
    case 'seed':
      return seedPolicy();
    case 'double-halve':
      return doubleHalvePolicy();
  }
}
