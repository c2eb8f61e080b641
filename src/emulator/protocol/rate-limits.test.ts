import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
} from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from 'vitest';
import { clientConfig } from '../../aws/clients.js';
import { ManualClock } from '../clock.js';
import { Emulator } from '../emulator.js';

/** Issue #11 "Fleet scale": AWS's per-account API rates, on the emulator's clock. */
describe('per-account API rate limits', () => {
  let emulator: Emulator | undefined;
  let clock: ManualClock;

  afterEach(async () => {
    await emulator?.stop();
    emulator = undefined;
  });

  async function start(apiRateLimits: false | { realTime: boolean } = { realTime: false }) {
    clock = new ManualClock(Date.UTC(2026, 5, 1));
    emulator = await Emulator.start({
      port: 0,
      clock,
      onLambdaLog: () => undefined,
      apiRateLimits,
    });
    // No SDK retries: every throttled call must surface.
    const config = {
      ...clientConfig({ endpoint: emulator.url, region: 'us-east-1' }, {}),
      maxAttempts: 1,
    };
    return { cloudwatch: new CloudWatchClient(config), kinesis: new KinesisClient(config) };
  }

  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: Error) => `${e.name}: ${e.message}`,
    );

  it('throttles DescribeAlarms past 9 per second with CloudWatch Throttling, then refills', async () => {
    const { cloudwatch } = await start();
    const results = await Promise.all(
      Array.from({ length: 11 }, () => outcome(cloudwatch.send(new DescribeAlarmsCommand({})))),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(9);
    expect(results.filter((r) => r !== 'ok')).toEqual([
      'Throttling: Rate exceeded',
      'Throttling: Rate exceeded',
    ]);
    // A third of a second refills three tokens.
    await clock.advance(334);
    const later = await Promise.all(
      Array.from({ length: 4 }, () => outcome(cloudwatch.send(new DescribeAlarmsCommand({})))),
    );
    expect(later).toEqual(['ok', 'ok', 'ok', 'Throttling: Rate exceeded']);

    // The Query protocol (older CLIs) gets the same code in XML.
    const res = await fetch(emulator!.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260601/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: 'Action=DescribeAlarms&Version=2010-08-01',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>Throttling</Code><Message>Rate exceeded</Message>');
    cloudwatch.destroy();
  });

  it('throttles Kinesis DescribeStreamSummary past 20 per second with LimitExceededException', async () => {
    const { kinesis } = await start();
    await kinesis.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 1 }));
    const results = await Promise.all(
      Array.from({ length: 22 }, () =>
        outcome(kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'orders' }))),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(20);
    expect(results.filter((r) => r !== 'ok')[0]).toBe(
      'LimitExceededException: Rate exceeded for stream orders under account 000000000000.',
    );
    await clock.advance(1000);
    expect(
      await outcome(kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'orders' }))),
    ).toBe('ok');
    kinesis.destroy();
  });

  it('lets SDK retries through at a standing virtual clock, as real time refills the buckets', async () => {
    const { cloudwatch } = await start({ realTime: true });
    const patient = new CloudWatchClient({
      ...clientConfig({ endpoint: emulator!.url, region: 'us-east-1' }, {}),
      maxAttempts: 10,
    });
    const results = await Promise.all(
      Array.from({ length: 12 }, () => outcome(patient.send(new DescribeAlarmsCommand({})))),
    );
    expect(results).toEqual(Array.from({ length: 12 }, () => 'ok'));
    patient.destroy();
    cloudwatch.destroy();
  });

  it('can be turned off', async () => {
    const { cloudwatch } = await start(false);
    const results = await Promise.all(
      Array.from({ length: 30 }, () => outcome(cloudwatch.send(new DescribeAlarmsCommand({})))),
    );
    expect(new Set(results)).toEqual(new Set(['ok']));
    cloudwatch.destroy();
  });
});
