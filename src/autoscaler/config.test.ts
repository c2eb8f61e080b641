import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_SCALING, loadServiceConfig, streamConfig, TAGS } from './config.js';

describe('loadServiceConfig', () => {
  it('reads defaults and overrides from the environment', () => {
    const c = loadServiceConfig({
      SCALING_LOG_TABLE: 't',
      MIN_SHARDS: '2',
      TARGET_UTILIZATION: '0.6',
    });
    expect(c).toEqual({
      scalingLogTable: 't',
      scalingLogTtlDays: 14,
      defaults: { ...DEFAULT_SCALING, minShards: 2, targetUtilization: 0.6 },
    });
  });
  it('names the variable that is wrong', () => {
    expect(() => loadServiceConfig({ SCALING_LOG_TABLE: 't', MAX_SHARDS: 'lots' })).toThrow(
      /MAX_SHARDS="lots"/,
    );
    expect(() => loadServiceConfig({ SCALING_LOG_TABLE: 't', TARGET_UTILIZATION: '1.5' })).toThrow(
      /at most 1/,
    );
    expect(() => loadServiceConfig({})).toThrow(/SCALING_LOG_TABLE is not set/);
    expect(() => loadServiceConfig({ SCALING_LOG_TABLE: 't', SCALING_LOG_TTL_DAYS: '0' })).toThrow(
      /SCALING_LOG_TTL_DAYS/,
    );
  });
});

describe('streamConfig', () => {
  it('overlays stream tags', () => {
    const c = streamConfig(DEFAULT_SCALING, {
      [TAGS.minShards]: '3',
      [TAGS.maxShards]: '12',
      owner: 'team-a',
    });
    expect(c).toMatchObject({ minShards: 3, maxShards: 12 });
  });
  it('rejects contradicting or malformed tags, naming them', () => {
    expect(() =>
      streamConfig(DEFAULT_SCALING, { [TAGS.minShards]: '5', [TAGS.maxShards]: '4' }),
    ).toThrow(ConfigError);
    expect(() => streamConfig(DEFAULT_SCALING, { [TAGS.minShards]: '2.5' })).toThrow(
      /stream tag kinesis-autoscaler:min-shards="2.5" must be a whole number/,
    );
    expect(() => streamConfig(DEFAULT_SCALING, { [TAGS.scaleUpLookbackMinutes]: '0' })).toThrow(
      /at least 1/,
    );
  });
});
