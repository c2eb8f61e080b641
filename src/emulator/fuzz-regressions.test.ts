/** Bugs the fuzzer (fuzz.test.ts) found, one minimal repro each, kept as regression tests. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { Emulator } from './emulator.js';
import { probe, probeInChild } from './fuzz-runner.js';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await Emulator.start({
    port: 0,
    clock: new ManualClock(),
    onLambdaLog: () => undefined,
  });
});

afterAll(async () => {
  await emulator?.stop();
});

const isClientError = (answer: number | string) =>
  typeof answer === 'number' && answer >= 400 && answer < 500;

/** Bugs the fuzzer found, one minimal repro each, kept as regression tests. */
describe('regressions found by fuzzing', () => {
  // protocol/query.ts decodeQuery walks `a.__proto__.b` into Object.prototype and assigns to it.
  it('does not let a Query parameter name pollute Object.prototype', async () => {
    try {
      const status = await probe(emulator.url, {
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from('Action=ListTopics&Version=2010-03-31&__proto__.fuzzPolluted=yes'),
      });
      expect(status).toBe(400);
      expect(({} as Record<string, unknown>).fuzzPolluted).toBeUndefined();
    } finally {
      delete (Object.prototype as Record<string, unknown>).fuzzPolluted;
    }
  });

  // protocol/query.ts listify recurses once per dotted segment.
  it('answers a Query parameter name of 10,000 segments with a 4xx', async () => {
    const status = await probe(emulator.url, {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(
        `Action=ListTopics&Version=2010-03-31&${Array(10_000).fill('A').join('.')}=1`,
      ),
    });
    expect(isClientError(status)).toBe(true);
  });

  // JSON.stringify(issue.input) in the validation messages (kinesis/protocol.ts toValidationError,
  // cloudwatch/schemas.ts) overflows on deeply nested input that JSON.parse accepted.
  it('answers JSON nested 5,000 levels deep with a 4xx', async () => {
    const nested = (key: string) =>
      Buffer.from(`{"${key}":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`);
    const [kinesis, cloudwatch] = await Promise.all([
      probe(emulator.url, {
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'Kinesis_20131202.GetRecords',
        },
        body: nested('ShardIterator'),
      }),
      probe(emulator.url, {
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms',
        },
        body: nested('AlarmNames'),
      }),
    ]);
    expect([kinesis, cloudwatch].map(isClientError)).toEqual([true, true]);
  });

  // server.ts toAwsRequest: new URL('//', 'http://emulator') throws inside the request's 'end'
  // handler, so the exception is uncaught.
  it('survives a request for the path //', async () => {
    const { answer, alive } = await probeInChild({
      method: 'GET',
      path: '//',
      headers: {},
      body: Buffer.alloc(0),
    });
    expect({ clientError: isClientError(answer), alive }).toEqual({
      clientError: true,
      alive: true,
    });
  });

  // dynalite's validations read properties of the parsed body without checking it is an object;
  // dynamodb/endpoint.ts passes the request through unchecked.
  it('survives a DynamoDB request whose body is JSON null', async () => {
    const { answer, alive } = await probeInChild({
      method: 'POST',
      path: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.Query',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
        'x-amz-date': '20260101T000000Z',
      },
      body: Buffer.from('null'),
    });
    expect({ clientError: isClientError(answer), alive }).toEqual({
      clientError: true,
      alive: true,
    });
  });
});
