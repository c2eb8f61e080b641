/**
 * A Kinesis model behind the real edge server on an ephemeral port, with a ManualClock and an SDK
 * v3 client that makes one attempt per call (so throttling errors reach the test).
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { clientConfig } from '../../aws/clients.js';
import { ManualClock } from '../clock.js';
import type { MetricDatum, MetricSink } from '../contracts.js';
import { EdgeServer } from '../server.js';
import { KinesisModel, type KinesisModelOptions } from './model.js';
import { KinesisEndpoint } from './protocol.js';

export const ACCOUNT = '000000000000';

export class RecordingSink implements MetricSink {
  readonly data: MetricDatum[] = [];
  putMetric(datum: MetricDatum): void {
    this.data.push(datum);
  }
}

export interface Harness {
  clock: ManualClock;
  sink: RecordingSink;
  model: KinesisModel;
  kinesis: KinesisClient;
  url: string;
  /** Sends a raw request body with the given content type (default awsJson 1.1). */
  raw(
    op: string,
    body: string | Uint8Array,
    contentType?: string,
  ): Promise<{ status: number; headers: Headers; body: Buffer }>;
  close(): Promise<void>;
}

export async function startHarness(
  opts: Partial<Omit<KinesisModelOptions, 'clock' | 'metrics'>> = {},
): Promise<Harness> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const sink = new RecordingSink();
  const model = new KinesisModel({
    clock,
    region: 'us-east-1',
    accountId: ACCOUNT,
    metrics: sink,
    ...opts,
  });
  const server = new EdgeServer({
    endpoints: [new KinesisEndpoint(() => model)],
    defaultRegion: 'us-east-1',
    accountId: ACCOUNT,
  });
  const { url } = await server.listen(0);
  const kinesis = new KinesisClient({
    ...clientConfig({ endpoint: url, region: 'us-east-1' }),
    maxAttempts: 1,
  });
  return {
    clock,
    sink,
    model,
    kinesis,
    url,
    async raw(op, body, contentType = 'application/x-amz-json-1.1') {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': contentType, 'x-amz-target': `Kinesis_20131202.${op}` },
        body,
      });
      return {
        status: res.status,
        headers: res.headers,
        body: Buffer.from(await res.arrayBuffer()),
      };
    },
    async close() {
      kinesis.destroy();
      model.dispose();
      await server.close();
    },
  };
}

export async function sdkError(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { name: string; message: string };
  }
  throw new Error('expected the call to fail');
}
