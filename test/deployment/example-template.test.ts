import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAlarmPair } from '../../src/autoscaler/alarm-contract.js';
import { TAGS } from '../../src/autoscaler/config.js';

/** Substitutes the example's parameters and imports, enough to compare it with our own alarms. */
function resolve(value: unknown, params: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, params));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ('Ref' in o) return params[o.Ref as string];
    if ('Fn::Sub' in o)
      return (o['Fn::Sub'] as string).replace(/\$\{(\w+)\}/g, (_, k: string) => params[k] ?? '');
    if ('Fn::ImportValue' in o) return `import:${resolve(o['Fn::ImportValue'], params) as string}`;
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolve(v, params)]));
  }
  return value;
}

describe('examples/subscribe-stream.template.json', () => {
  it('defines exactly the alarms `buildAlarmPair` writes, wired to the exported topics', async () => {
    const template = JSON.parse(
      await readFile(
        join(import.meta.dirname, '..', '..', 'examples', 'subscribe-stream.template.json'),
        'utf8',
      ),
    ) as { Resources: Record<string, { Properties: Record<string, unknown> }> };
    const params = { StreamName: 'orders', ShardCount: '3', Stage: 'prod' };
    const expected = buildAlarmPair({
      streamName: 'orders',
      shardCount: 3,
      scaleUpTopicArn: 'import:kinesis-autoscaler-prod-ScaleUpTopicArn',
      scaleDownTopicArn: 'import:kinesis-autoscaler-prod-ScaleDownTopicArn',
    });
    expect(resolve(template.Resources.ScaleUpAlarm!.Properties, params)).toEqual(expected.up);
    expect(resolve(template.Resources.ScaleDownAlarm!.Properties, params)).toEqual(expected.down);
    const tags = (template.Resources.Stream!.Properties.Tags as { Key: string }[]).map(
      (t) => t.Key,
    );
    for (const key of tags) expect(Object.values(TAGS)).toContain(key);
  });
});
