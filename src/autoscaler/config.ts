import { InputError } from './errors.js';
import { z } from 'zod';

/** Kinesis's own ceiling on open shards in one stream. */
export const KINESIS_MAX_SHARDS_PER_STREAM = 10_000;
/** UpdateShardCount calls allowed per stream in any rolling 24 hours. */
export const SCALING_OPERATIONS_PER_DAY = 10;
/** Scale-downs leave this many of the daily operations free so a scale-up is always possible. */
export const OPERATIONS_RESERVED_FOR_SCALE_UP = 2;

export const POLICIES = ['ours', 'seed', 'double-halve'] as const;
/**
 * `ours` is the default; `seed` (the Python original's step sizes) and `double-halve` (the AWS
 * sample's) exist so the simulator can compare them on the same handler.
 */
export type PolicyName = (typeof POLICIES)[number];

/** The knobs of the policy; defaults from the function environment, per stream from tags. */
export interface ScalingConfig {
  policy: PolicyName;
  minShards: number;
  maxShards: number;
  /** Utilisation (0..1] the policy sizes the stream for after a scaling. */
  targetUtilization: number;
  /** Minutes of metrics, ending at the alarm's state change, that size a scale-up. */
  scaleUpLookbackMinutes: number;
  /** Minutes of metrics that size a scale-down; longer, so a brief lull does not shrink the stream. */
  scaleDownLookbackMinutes: number;
  /** Lever: lower the target for streams whose history shows fast growth (targetUtilization is the ceiling). */
  headroom: boolean;
  /** Lever: size for the peak the same hours of previous days predict, up and down. */
  forecast: boolean;
  /** Minutes ahead the seasonal forecast covers. */
  forecastMinutes: number;
  /** Lever: plan the 10 daily UpdateShardCount calls against the day's predicted peak. */
  budget: boolean;
}

export interface ServiceConfig {
  defaults: ScalingConfig;
  scalingLogTable: string;
  scalingLogTtlDays: number;
}

export const DEFAULT_SCALING: ScalingConfig = {
  policy: 'ours',
  minShards: 1,
  maxShards: KINESIS_MAX_SHARDS_PER_STREAM,
  targetUtilization: 0.45,
  scaleUpLookbackMinutes: 5,
  scaleDownLookbackMinutes: 60,
  headroom: true,
  forecast: true,
  forecastMinutes: 240,
  budget: true,
};

/** Stream tags that override the defaults for one stream. */
export const TAGS = {
  policy: 'kinesis-autoscaler:policy',
  minShards: 'kinesis-autoscaler:min-shards',
  maxShards: 'kinesis-autoscaler:max-shards',
  targetUtilization: 'kinesis-autoscaler:target-utilization',
  scaleUpLookbackMinutes: 'kinesis-autoscaler:scale-up-lookback-minutes',
  scaleDownLookbackMinutes: 'kinesis-autoscaler:scale-down-lookback-minutes',
  headroom: 'kinesis-autoscaler:headroom',
  forecast: 'kinesis-autoscaler:forecast',
  forecastMinutes: 'kinesis-autoscaler:forecast-minutes',
  budget: 'kinesis-autoscaler:budget',
} as const satisfies Record<keyof ScalingConfig, string>;

export const ENV = {
  policy: 'SCALING_POLICY',
  minShards: 'MIN_SHARDS',
  maxShards: 'MAX_SHARDS',
  targetUtilization: 'TARGET_UTILIZATION',
  scaleUpLookbackMinutes: 'SCALE_UP_LOOKBACK_MINUTES',
  scaleDownLookbackMinutes: 'SCALE_DOWN_LOOKBACK_MINUTES',
  headroom: 'HEADROOM',
  forecast: 'FORECAST',
  forecastMinutes: 'FORECAST_MINUTES',
  budget: 'BUDGET',
} as const satisfies Record<keyof ScalingConfig, string>;

const shards = z.coerce
  .number()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(KINESIS_MAX_SHARDS_PER_STREAM, `must be at most ${KINESIS_MAX_SHARDS_PER_STREAM}`);
const minutes = z.coerce
  .number()
  .int('must be a whole number of minutes')
  .min(1, 'must be at least 1')
  .max(1440, 'must be at most 1440 (24 hours)');
/** A lever is on or off; tags are strings, so the usual spellings of both are accepted. */
const lever = z
  .string()
  .transform((v) => v.toLowerCase())
  .pipe(
    z.enum(['true', 'false', 'on', 'off', 'yes', 'no', '1', '0'], {
      error: 'must be on or off (true/false)',
    }),
  )
  .transform((v) => v === 'true' || v === 'on' || v === 'yes' || v === '1');
const fieldSchemas: { [K in keyof ScalingConfig]: z.ZodType<ScalingConfig[K]> } = {
  policy: z.enum(POLICIES, { error: `must be one of ${POLICIES.join(', ')}` }),
  minShards: shards,
  maxShards: shards,
  targetUtilization: z.coerce
    .number()
    .gt(0, 'must be greater than 0')
    .max(1, 'must be at most 1 (100% of shard capacity)'),
  scaleUpLookbackMinutes: minutes,
  scaleDownLookbackMinutes: minutes,
  headroom: lever,
  forecast: lever,
  forecastMinutes: minutes,
  budget: lever,
};

export class ConfigError extends InputError {
  override name = 'ConfigError';
}

/**
 * Overlays string settings (environment variables or stream tags) on a base config. Every bad value
 * is reported by its source name, so a typo in a tag says which tag and why.
 */
export function overlayConfig(
  base: ScalingConfig,
  values: Record<string, string | undefined>,
  names: Record<keyof ScalingConfig, string>,
  source: string,
): ScalingConfig {
  const out: ScalingConfig = { ...base };
  const problems: string[] = [];
  for (const key of Object.keys(names) as (keyof ScalingConfig)[]) {
    const raw = values[names[key]];
    if (raw === undefined || raw.trim() === '') continue;
    const parsed = fieldSchemas[key].safeParse(raw.trim());
    if (parsed.success) (out as unknown as Record<string, unknown>)[key] = parsed.data;
    else
      problems.push(
        `${source} ${names[key]}=${JSON.stringify(raw)} ${parsed.error.issues[0]?.message ?? 'is invalid'}`,
      );
  }
  if (out.minShards > out.maxShards) {
    problems.push(
      `${source}: min shards (${out.minShards}) is greater than max shards (${out.maxShards})`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  return out;
}

/** Reads the service's settings from the Lambda environment (set in serverless.yml). */
export function loadServiceConfig(env: Record<string, string | undefined>): ServiceConfig {
  const defaults = overlayConfig(DEFAULT_SCALING, env, ENV, 'environment variable');
  const table = env.SCALING_LOG_TABLE;
  if (!table) throw new ConfigError('environment variable SCALING_LOG_TABLE is not set');
  const ttl = z.coerce
    .number()
    .int()
    .min(1)
    .max(3650)
    .safeParse(env.SCALING_LOG_TTL_DAYS ?? '14');
  if (!ttl.success) {
    throw new ConfigError(
      `environment variable SCALING_LOG_TTL_DAYS=${JSON.stringify(env.SCALING_LOG_TTL_DAYS)} must be a whole number of days from 1 to 3650`,
    );
  }
  return { defaults, scalingLogTable: table, scalingLogTtlDays: ttl.data };
}

/** Per-stream config: the service defaults with the stream's tags on top. */
export function streamConfig(defaults: ScalingConfig, tags: Record<string, string>): ScalingConfig {
  return overlayConfig(defaults, tags, TAGS, 'stream tag');
}
