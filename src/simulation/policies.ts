/**
 * The policies the simulator compares. Each is a configuration of the one deployed handler — stream
 * tags that select the policy's formula and knobs, and the settings of the two alarms that decide
 * when the handler is called — so every policy runs the same code as production.
 */
import {
  DEFAULT_SCALE_DOWN_ALARM,
  DEFAULT_SCALE_UP_ALARM,
  type AlarmSettings,
} from '../autoscaler/alarm-contract.js';
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
    ...overrides.scaling,
  };
  const scaleUp = { ...DEFAULT_SCALE_UP_ALARM, ...overrides.scaleUp };
  const scaleDown = { ...DEFAULT_SCALE_DOWN_ALARM, ...overrides.scaleDown };
  return {
    label: overrides.label ?? 'ours',
    policy: 'ours',
    tags: tagsOf(scaling),
    scaleUp,
    scaleDown,
    description:
      `up: usage >= ${scaleUp.threshold} for ${scaleUp.datapointsToAlarm} of ${scaleUp.evaluationPeriods} x ${scaleUp.periodSeconds / 60} min, ` +
      `to ceil(n x peak over ${scaling.scaleUpLookbackMinutes} min / ${scaling.targetUtilization}) (throttled records added back to demand); ` +
      `down: usage < ${scaleDown.threshold} for ${scaleDown.datapointsToAlarm} of ${scaleDown.evaluationPeriods} x ${scaleDown.periodSeconds / 60} min, ` +
      `to ceil(n x peak over ${scaling.scaleDownLookbackMinutes} min / ${scaling.targetUtilization})`,
  };
}

/**
 * The Python original: steps of 100% / 50% / 25% up on a single 5-minute breach; down to
 * max(n/2, 2 x 24-hour peak usage x n) after a whole day below 25%.
 */
export function seedPolicy(): PolicyConfig {
  return {
    label: 'seed',
    policy: 'seed',
    tags: tagsOf({ policy: 'seed', scaleDownLookbackMinutes: 1440 }),
    scaleUp: { threshold: 0.75, periodSeconds: 300, evaluationPeriods: 1, datapointsToAlarm: 1 },
    scaleDown: {
      threshold: 0.25,
      periodSeconds: 300,
      evaluationPeriods: 288,
      datapointsToAlarm: 288,
    },
    description:
      'up: usage >= 0.75 for 1 of 1 x 5 min, x2 below 3 shards, x1.5 below 50, x1.25 above; ' +
      'down: usage < 0.25 for 288 of 288 x 5 min (24 h), to max(n/2, 2 x 24 h peak usage x n)',
  };
}

/** The AWS sample: doubles after 25 minutes above 75%, halves after 57 of 60 five-minute periods below 25%. */
export function doubleHalvePolicy(): PolicyConfig {
  return {
    label: 'double-halve',
    policy: 'double-halve',
    tags: tagsOf({ policy: 'double-halve' }),
    scaleUp: { threshold: 0.75, periodSeconds: 300, evaluationPeriods: 5, datapointsToAlarm: 5 },
    scaleDown: {
      threshold: 0.25,
      periodSeconds: 300,
      evaluationPeriods: 60,
      datapointsToAlarm: 57,
    },
    description:
      'up: usage >= 0.75 for 5 of 5 x 5 min, x2; down: usage < 0.25 for 57 of 60 x 5 min, /2',
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
