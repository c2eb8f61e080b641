import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostWarning } from '../../cli/commands/local.js';
import { ManualClock } from '../clock.js';
import { Emulator } from '../emulator.js';

/** Issue #11 "Security of the local emulator": request bodies are limited per service. */
describe('request body limits', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await Emulator.start({
      port: 0,
      clock: new ManualClock(),
      onLambdaLog: () => undefined,
      // The client writes all 16 MiB of the chunked upload: cutting it off after a real-time 5 s
      // (on a loaded machine) would reset the connection before the 413 was read.
      bodyDiscardMs: 600_000,
    });
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  function post(
    path: string,
    headers: Record<string, string>,
    chunks: Buffer[],
    declareLength: boolean,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; ms: number }> {
    const url = new URL(emulator.url);
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path,
          method: 'POST',
          headers: {
            ...headers,
            ...(declareLength
              ? { 'content-length': String(chunks.reduce((n, c) => n + c.length, 0)) }
              : { 'transfer-encoding': 'chunked' }),
          },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(parts).toString('utf8'),
              ms: performance.now() - started,
            }),
          );
        },
      );
      // A reset before the answer is the bug this guards against (the client never learns why):
      // fail at once rather than wait for the test timeout.
      let answered = false;
      req.on('response', () => (answered = true));
      req.on('error', (err) => (answered ? undefined : reject(err)));
      const write = (i: number) => {
        if (i >= chunks.length) return req.end();
        if (req.destroyed) return undefined;
        req.write(chunks[i], () => setImmediate(() => write(i + 1)));
        return undefined;
      };
      write(0);
    });
  }

  const kinesis = (op: string) => ({
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `Kinesis_20131202.${op}`,
  });

  it('refuses a PutRecords body over the Kinesis limit from its Content-Length, before reading it', async () => {
    const body = Buffer.alloc(8 * 1024 * 1024, 0x5b); // "[[[[..." as the body that stalled it
    const reply = await post('/', kinesis('PutRecords'), [body], true);
    expect(reply.status).toBe(413);
    expect(reply.headers['x-amzn-errortype']).toBe('RequestEntityTooLarge');
    expect(JSON.parse(reply.body)).toMatchObject({
      __type: 'RequestEntityTooLarge',
      message: expect.stringContaining('Kinesis PutRecords'),
    });
  });

  it('refuses a chunked CloudWatch body once it passes 1 MiB, and keeps serving', async () => {
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    const reply = await post(
      '/',
      {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData',
        'x-amzn-query-mode': 'true',
      },
      Array.from({ length: 64 }, () => chunk),
      false,
    );
    expect(reply.status).toBe(413);
    expect(reply.headers['x-amzn-query-error']).toBe('RequestEntityTooLarge;Sender');

    // A small request right after is served normally.
    const ok = await post('/', kinesis('ListStreams'), [Buffer.from('{}')], true);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ StreamNames: [] });
  });

  it('answers an oversized Invoke as Lambda does', async () => {
    const reply = await post(
      '/2015-03-31/functions/f/invocations',
      { 'content-type': 'application/json' },
      [Buffer.alloc(7 * 1024 * 1024, 0x61)],
      true,
    );
    expect(reply.status).toBe(413);
    expect(reply.body).toContain('Request must be smaller than 6291456 bytes');
  });

  it('warns when bound anywhere but loopback', () => {
    expect(hostWarning('127.0.0.1')).toBeUndefined();
    expect(hostWarning('::1')).toBeUndefined();
    expect(hostWarning('localhost')).toBeUndefined();
    expect(hostWarning('0.0.0.0')).toMatch(/no authentication.*CreateFunction/);
    expect(hostWarning('192.168.1.20')).toMatch(/^WARNING: listening on 192.168.1.20/);
  });
});
