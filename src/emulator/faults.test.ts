import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../aws/clients.js';
import { ManualClock } from './clock.js';
import { Emulator } from './emulator.js';

const START = Date.UTC(2026, 2, 2, 10, 0, 0);
let clock: ManualClock;
let emulator: Emulator;
let clients: AwsClients;

beforeAll(async () => {
  clock = new ManualClock(START);
  emulator = await Emulator.start({ port: 0, clock });
  // One attempt: the SDK's retries would only slow the test down.
  clients = createClients({ endpoint: emulator.url, region: 'us-east-1' }, {}, { maxAttempts: 1 });
});

afterAll(async () => {
  for (const c of Object.values(clients)) c.destroy();
  await emulator?.stop();
});

describe('fault injection', () => {
  it('fails one service with a 503 until the fault ends on the emulator clock', async () => {
    emulator.faults.inject('cloudwatch', 60_000);
    const err = await clients.cloudwatch.send(new DescribeAlarmsCommand({})).catch((e) => e);
    expect(err).toMatchObject({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    await expect(clients.kinesis.send(new ListStreamsCommand({}))).resolves.toBeDefined();
    await clock.advance(60_000);
    await expect(clients.cloudwatch.send(new DescribeAlarmsCommand({}))).resolves.toBeDefined();
  });

  it('fails DynamoDB, which the emulator serves through dynalite', async () => {
    emulator.faults.inject('dynamodb');
    const err = await clients.dynamodb.send(new ListTablesCommand({})).catch((e) => e);
    expect(err).toMatchObject({ $metadata: { httpStatusCode: 503 } });
    emulator.faults.clear('dynamodb');
    await expect(clients.dynamodb.send(new ListTablesCommand({}))).resolves.toBeDefined();
  });

  it('is reachable over HTTP at /_emulator/faults, with validation', async () => {
    const post = (body: unknown) =>
      fetch(`${emulator.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify(body) });
    const ok = await post({ service: 'kinesis', durationMs: 1000 });
    expect(await ok.json()).toEqual({
      faults: [{ service: 'kinesis', until: clock.now() + 1000 }],
    });
    const bad = await post({ service: 's3' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/service/);
    const cleared = await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' });
    expect(await cleared.json()).toEqual({ faults: [] });
  });

  it("dates every response with the emulator's clock, so SDK clients follow it", async () => {
    const res = await fetch(`${emulator.url}/_emulator/health`);
    expect(Date.parse(res.headers.get('date')!)).toBe(Math.floor(clock.now() / 1000) * 1000);
    await clients.cloudwatch.send(new DescribeAlarmsCommand({}));
    const skewed = Date.now() + (clients.cloudwatch.config.systemClockOffset ?? 0);
    expect(Math.abs(skewed - clock.now())).toBeLessThan(60_000);
  });
});
