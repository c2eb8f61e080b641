/**
 * The fuzzer's request generator: a seeded PRNG and the random, malformed requests it draws for every
 * endpoint of the edge server. The same seed draws the same requests, so a failure replays exactly.
 */
import {
  CLOUDFORMATION_ACTIONS,
  CLOUDWATCH_OPS,
  DYNAMODB_OPS,
  FIELDS,
  KINESIS_OPS,
  NAMES,
  QUERY_PARAMS,
  SNS_ACTIONS,
} from './fuzz-vocabulary.js';
import { mulberry32 } from './random.js';

/** The edge server's default `maxBodyBytes`; oversized bodies go one byte past it. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(this.next() * 256);
    return b;
  }
  /** Printable ASCII plus a few Latin-1 bytes: anything an HTTP header value may carry. */
  headerText(max: number): string {
    let s = '';
    const n = this.int(0, max);
    for (let i = 0; i < n; i++) {
      s += this.bool(0.9)
        ? String.fromCharCode(this.int(0x20, 0x7e))
        : String.fromCharCode(this.int(0xa0, 0xff));
    }
    return s.trim();
  }
  /** Strings that stress validators: empty, long, unicode, lone surrogates, control characters. */
  text(): string {
    switch (this.int(0, 9)) {
      case 0:
        return '';
      case 1:
        return 'x'.repeat(this.pick([129, 256, 1025, 70_000]));
      case 2:
        return '\u0000\u0001\u001f\u007f';
      case 3:
        return '\ud800\udfff\ud800';
      case 4:
        return '💥'.repeat(this.int(1, 300));
      case 5:
        return this.pick(['../../etc/passwd', '%00', '%E0%A4%A', '${jndi:x}', '<x>&amp;</x>']);
      case 6:
        return this.pick(NAMES);
      case 7:
        return `arn:aws:${this.pick(['kinesis', 'sns', 'cloudwatch', 'lambda', 'x'])}:${this.pick(['us-east-1', '', 'zz'])}:000000000000:${this.pick(['stream/', 'alarm:', 'function:', ''])}${this.pick(NAMES)}`;
      default:
        return this.headerText(40);
    }
  }
  /** Random JSON-able values of every type, including numbers JSON cannot represent exactly. */
  value(depth = 0): unknown {
    const kind = this.int(0, depth > 3 ? 5 : 8);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.bool();
      case 2:
        return this.pick([0, -1, 1.5, -0, 2 ** 53 + 1, 1e308, -1e308, 4_294_967_296, 1e-320]);
      case 3:
        return this.int(-5, 100_000);
      case 4:
      case 5:
        return this.text();
      case 6:
        return Array.from({ length: this.int(0, 5) }, () => this.value(depth + 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = this.int(0, 5); i > 0; i--) o[this.pick(FIELDS)] = this.value(depth + 1);
        return o;
      }
    }
  }
}

export interface FuzzRequest {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

const REGIONS = ['us-east-1', 'eu-west-1', 'us-east-1', 'us-east-1'];

function authorization(rng: Rng, service: string): Record<string, string> {
  const roll = rng.int(0, 9);
  if (roll < 3) return {};
  const region =
    roll === 9 ? rng.pick(['', 'x'.repeat(300), '..', 'US-EAST-1']) : rng.pick(REGIONS);
  if (roll === 8) return { authorization: rng.headerText(200) };
  return {
    authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
    'x-amz-date': '20260101T000000Z',
  };
}

/** A JSON body: valid, wrong-typed, truncated, deeply nested, not UTF-8 or not JSON at all. */
function jsonBody(rng: Rng): Buffer {
  const obj = rng.value() as unknown;
  const asObject =
    obj !== null && typeof obj === 'object' && !Array.isArray(obj)
      ? obj
      : { [rng.pick(FIELDS)]: obj };
  switch (rng.int(0, 11)) {
    case 0: {
      const text = JSON.stringify(asObject);
      return Buffer.from(text.slice(0, rng.int(0, text.length)));
    }
    case 1:
      return Buffer.from(
        `{"a":${'['.repeat(rng.pick([100, 5_000, 200_000]))}${rng.bool() ? ']'.repeat(10) : ''}`,
      );
    case 2: {
      // Nested objects that do parse: recursion in validators and serialisers must not overflow.
      const depth = rng.pick([100, 1_000, 3_000, 6_000]);
      const key = rng.pick(FIELDS);
      return Buffer.from(`{"${key}":${`{"${key}":`.repeat(depth)}1${'}'.repeat(depth)}}`);
    }
    case 3:
      return Buffer.concat([
        Buffer.from('{"StreamName":"'),
        rng.bytes(rng.int(1, 40)),
        Buffer.from('"}'),
      ]);
    case 4:
      return rng.bytes(rng.int(0, 300));
    case 5:
      return Buffer.from(JSON.stringify(rng.value()));
    case 6:
      return Buffer.from(
        rng.pick([
          '',
          ' ',
          'null',
          '[]',
          '""',
          '1e400',
          '{"__proto__":{"x":1}}',
          '{"a":1,"a":2}',
          '\ufeff{}',
        ]),
      );
    default:
      return Buffer.from(JSON.stringify(asObject));
  }
}

function formBody(rng: Rng, version: string, actions: readonly string[]): Buffer {
  const params = new URLSearchParams();
  if (rng.bool(0.9)) params.set('Action', rng.bool(0.85) ? rng.pick(actions) : rng.text());
  if (rng.bool(0.9)) params.set('Version', version);
  for (let i = rng.int(0, 8); i > 0; i--) {
    const key = rng.bool(0.85) ? rng.pick(QUERY_PARAMS) : rng.text();
    const value = rng.bool(0.7) ? String(rng.value(3)) : rng.text();
    params.append(key, value);
  }
  if (rng.bool(0.05)) {
    // Very deep dotted keys: the decoder would build one level per segment.
    params.append(
      Array.from({ length: rng.pick([50, 500, 3_000, 12_000]) }, () => 'A').join('.'),
      'x',
    );
  }
  if (rng.bool(0.05)) {
    params.append(`Metrics.member.${rng.pick(['1e9', '4294967296', '-1', '01'])}.Id`, 'm1');
  }
  let body = Buffer.from(params.toString());
  if (rng.bool(0.05)) body = Buffer.concat([body, Buffer.from('&%ZZ=%E0%A4&='), rng.bytes(20)]);
  return body;
}

/** Raw bytes cannot go into a request line: percent-encode what Node would refuse to send. */
function asQueryString(body: Buffer): string {
  return body
    .toString('latin1')
    .replace(/[^\x21-\x7e]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function jsonRequest(
  rng: Rng,
  kind: string,
  prefix: string,
  ops: readonly string[],
  contentType: string,
): FuzzRequest {
  const op = rng.bool(0.8) ? rng.pick(ops) : rng.headerText(30);
  const headers: Record<string, string> = {
    'content-type': rng.bool(0.9)
      ? contentType
      : rng.pick([
          'application/json',
          'text/plain',
          '',
          'application/x-amz-json-1.0; charset=utf-8',
        ]),
    'x-amz-target': rng.bool(0.9)
      ? `${prefix}${op}`
      : rng.pick([
          prefix,
          prefix.slice(0, -1),
          `${prefix}${op}.${op}`,
          `${prefix.toLowerCase()}${op}`,
        ]),
    ...authorization(rng, kind === 'cloudwatch-json' ? 'monitoring' : kind),
  };
  if (kind === 'cloudwatch-json' && rng.bool(0.7)) headers['x-amzn-query-mode'] = 'true';
  if (!headers['content-type']) delete headers['content-type'];
  const body = jsonBody(rng);
  return {
    kind,
    method: rng.bool(0.95) ? 'POST' : rng.pick(['GET', 'PUT']),
    path: '/',
    headers,
    body,
  };
}

function queryRequest(
  rng: Rng,
  kind: string,
  version: string,
  actions: readonly string[],
  service: string,
): FuzzRequest {
  const body = formBody(rng, version, actions);
  const asGet = rng.bool(0.1);
  return {
    kind,
    method: asGet ? 'GET' : 'POST',
    path: asGet ? `/?${asQueryString(body)}` : '/',
    headers: {
      'content-type': rng.bool(0.95)
        ? 'application/x-www-form-urlencoded; charset=utf-8'
        : 'application/x-www-form-urlencoded',
      ...authorization(rng, service),
    },
    body: asGet ? Buffer.alloc(0) : body,
  };
}

function lambdaRequest(rng: Rng): FuzzRequest {
  const name = rng.pick(['fuzz-fn', 'nope', '%E0%A4%A', '%2F..%2F', 'a'.repeat(200), 'f:1', '']);
  const path = rng.pick([
    '/2015-03-31/functions',
    '/2015-03-31/functions/',
    `/2015-03-31/functions/${name}`,
    `/2015-03-31/functions/${name}/invocations`,
    `/2015-03-31/functions/${name}/configuration`,
    `/2015-03-31/functions/${name}/code`,
    `/2015-03-31/functions/${name}/policy`,
    `/2015-03-31/functions/${name}/a/b/c`,
    `/2015-03-31/functions?MaxItems=${rng.pick(['-1', 'x', '1e9', '0', ''])}&Marker=${rng.pick(['', 'zz', '%'])}`,
    `/2015-03-31/functions/${name}/invocations?Qualifier=${rng.pick(['$LATEST', '1', '%FF'])}`,
    '/2015-03-31//functions//',
  ]);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...authorization(rng, 'lambda'),
  };
  if (rng.bool(0.4)) {
    headers['x-amz-invocation-type'] = rng.pick([
      'Event',
      'RequestResponse',
      'DryRun',
      'bogus',
      '',
    ]);
  }
  if (rng.bool(0.2)) headers['x-amz-log-type'] = rng.pick(['Tail', 'None', 'x']);
  return {
    kind: 'lambda',
    method: rng.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND']),
    path,
    headers,
    body: jsonBody(rng),
  };
}

function miscRequest(rng: Rng): FuzzRequest {
  switch (rng.int(0, 5)) {
    case 0:
      return {
        kind: 'control',
        method: rng.pick(['GET', 'POST', 'DELETE']),
        path: rng.pick([
          '/_emulator/health',
          '/_emulator/deploy',
          '/_emulator/',
          '/_emulator/x/../health',
        ]),
        headers: { 'content-type': 'application/json' },
        body: rng.bool()
          ? Buffer.from(
              JSON.stringify({
                packageDir: rng.pick(['/nonexistent-fuzz', '', 1]),
                stackName: rng.text(),
              }),
            )
          : jsonBody(rng),
      };
    case 1:
      return {
        kind: 'unknown-path',
        method: rng.pick(['GET', 'POST', 'PUT', 'DELETE']),
        path: rng.pick([
          '/',
          '/favicon.ico',
          '/a/b/c',
          '/%00',
          '/?Action=ListTopics',
          `/${'x'.repeat(4_000)}`,
        ]),
        headers: {},
        body: rng.bytes(rng.int(0, 64)),
      };
    case 2:
      return {
        kind: 'binary',
        method: 'POST',
        path: '/',
        headers: rng.bool() ? { 'content-type': 'application/octet-stream' } : {},
        body: rng.bytes(rng.int(1, 4_096)),
      };
    case 3:
      return {
        kind: 'unknown-target',
        method: 'POST',
        path: '/',
        headers: {
          'content-type': rng.pick([
            'application/x-amz-json-1.1',
            'application/x-amz-json-1.0',
            'application/json',
          ]),
          'x-amz-target': rng.pick([
            '',
            '.',
            'Kinesis_20131201.ListStreams',
            'Logs_20140328.PutLogEvents',
            rng.headerText(60),
          ]),
          ...authorization(rng, rng.pick(['logs', 'sqs', 'kinesis', ''])),
        },
        body: jsonBody(rng),
      };
    case 4:
      return {
        kind: 'unknown-query',
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...authorization(rng, rng.pick(['sqs', 'sts', 'iam'])),
        },
        body: formBody(rng, rng.pick(['2012-11-05', '2011-06-15', '', 'x']), [
          'SendMessage',
          'GetCallerIdentity',
        ]),
      };
    default:
      return {
        kind: 'odd-headers',
        method: 'POST',
        path: '/',
        headers: {
          'content-type': rng.headerText(50),
          'x-amz-target': rng.pick([
            'Kinesis_20131202.ListStreams',
            'GraniteServiceVersion20100801.ListMetrics',
          ]),
          authorization: `AWS4-HMAC-SHA256 Credential=${rng.headerText(80)}`,
        },
        body: jsonBody(rng),
      };
  }
}

export function randomRequest(rng: Rng): FuzzRequest {
  const roll = rng.int(0, 99);
  if (roll < 22)
    return jsonRequest(
      rng,
      'kinesis',
      'Kinesis_20131202.',
      KINESIS_OPS,
      'application/x-amz-json-1.1',
    );
  if (roll < 40) {
    return jsonRequest(
      rng,
      'cloudwatch-json',
      'GraniteServiceVersion20100801.',
      CLOUDWATCH_OPS,
      'application/x-amz-json-1.0',
    );
  }
  if (roll < 50)
    return jsonRequest(
      rng,
      'dynamodb',
      'DynamoDB_20120810.',
      DYNAMODB_OPS,
      'application/x-amz-json-1.0',
    );
  if (roll < 63) return queryRequest(rng, 'sns', '2010-03-31', SNS_ACTIONS, 'sns');
  if (roll < 76)
    return queryRequest(rng, 'cloudwatch-query', '2010-08-01', CLOUDWATCH_OPS, 'monitoring');
  if (roll < 80)
    return queryRequest(
      rng,
      'cloudformation',
      '2010-05-15',
      CLOUDFORMATION_ACTIONS,
      'cloudformation',
    );
  if (roll < 90) return lambdaRequest(rng);
  return miscRequest(rng);
}

/**
 * The fuzz run's requests: `count` random ones, then a few bodies just past the size limit spliced in
 * at random places, to every kind of endpoint (DynamoDB is served raw by dynalite).
 */
export function fuzzRequests(seed: number, count: number): FuzzRequest[] {
  const rng = new Rng(seed);
  const requests = Array.from({ length: count }, () => randomRequest(rng));
  const huge = Buffer.alloc(MAX_BODY_BYTES + 1, 0x61);
  for (const [kind, headers] of [
    [
      'oversized-kinesis',
      {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Kinesis_20131202.PutRecord',
      },
    ],
    ['oversized-sns', { 'content-type': 'application/x-www-form-urlencoded' }],
    [
      'oversized-dynamodb',
      { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.PutItem' },
    ],
  ] as const) {
    requests.splice(rng.int(0, requests.length), 0, {
      kind,
      method: 'POST',
      path: '/',
      headers: { ...headers },
      body: huge,
    });
  }
  return requests;
}
