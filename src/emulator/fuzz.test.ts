/**
 * Fuzzes the edge server with thousands of random and malformed requests over raw HTTP, then checks
 * that the emulator still serves well-formed requests and that the state created beforehand is
 * untouched. Every client fault must come back as an AWS-shaped 4xx: a 5xx, an unshaped body, a
 * dropped connection or a hang is a bug. The PRNG is seeded, so a failure replays exactly; the
 * report names the request that caused each distinct anomaly.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import {
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  type PutMetricAlarmInput,
} from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListTopicsCommand,
} from '@aws-sdk/client-sns';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../aws/clients.js';
import { ManualClock } from './clock.js';
import { Emulator } from './emulator.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_2026);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 4_000);
const IN_FLIGHT = 16;
/** A request that takes longer than this counts as a hang. */
const HANG_MS = 10_000;
/** The edge server's default `maxBodyBytes`; oversized bodies go one byte past it. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** mulberry32: tiny, fast and good enough to drive a fuzzer deterministically. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
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

/** Names the fuzzer may create or delete: never the ones the state check relies on. */
const NAMES = ['fuzz-a', 'fuzz-b', 'fuzz_c', 'f', 'FUZZ.D', ''];
const FIELDS = [
  'StreamName',
  'StreamARN',
  'ShardCount',
  'TargetShardCount',
  'ScalingType',
  'Records',
  'Data',
  'PartitionKey',
  'ExplicitHashKey',
  'ShardId',
  'ShardIteratorType',
  'ShardIterator',
  'Limit',
  'Tags',
  'TagKeys',
  'NextToken',
  'StreamModeDetails',
  'ShardFilter',
  'Timestamp',
  'AlarmName',
  'AlarmNames',
  'Metrics',
  'MetricName',
  'Namespace',
  'Dimensions',
  'Period',
  'Stat',
  'Statistic',
  'Statistics',
  'EvaluationPeriods',
  'Threshold',
  'ComparisonOperator',
  'MetricData',
  'MetricDataQueries',
  'StartTime',
  'EndTime',
  'StateValue',
  'StateReason',
  'Expression',
  'Id',
  'ReturnData',
  'MetricStat',
  'TableName',
  'Item',
  'Key',
  'KeySchema',
  'AttributeDefinitions',
  'KeyConditionExpression',
  'ExpressionAttributeValues',
  'FunctionName',
  'Code',
  'ZipFile',
  'Runtime',
  'Handler',
  'Role',
  'packageDir',
  'stackName',
  'region',
];

const KINESIS_OPS = [
  'CreateStream',
  'DeleteStream',
  'DescribeStream',
  'DescribeStreamSummary',
  'DescribeLimits',
  'ListStreams',
  'ListShards',
  'UpdateShardCount',
  'PutRecord',
  'PutRecords',
  'GetShardIterator',
  'GetRecords',
  'AddTagsToStream',
  'RemoveTagsFromStream',
  'ListTagsForStream',
  'TagResource',
  'UntagResource',
  'ListTagsForResource',
  'SplitShard',
  'MergeShards',
  'constructor',
  '__proto__',
  'hasOwnProperty',
  'toString',
];
const CLOUDWATCH_OPS = [
  'PutMetricData',
  'GetMetricStatistics',
  'GetMetricData',
  'ListMetrics',
  'PutMetricAlarm',
  'DescribeAlarms',
  'DescribeAlarmsForMetric',
  'DeleteAlarms',
  'EnableAlarmActions',
  'DisableAlarmActions',
  'SetAlarmState',
  'DescribeAlarmHistory',
  'TagResource',
  'UntagResource',
  'ListTagsForResource',
  'PutDashboard',
  'constructor',
  '__proto__',
  'valueOf',
];
const DYNAMODB_OPS = [
  'CreateTable',
  'DescribeTable',
  'PutItem',
  'GetItem',
  'Query',
  'Scan',
  'DeleteTable',
  'UpdateTimeToLive',
  'DescribeTimeToLive',
  'ListTables',
  'BatchWriteItem',
  'constructor',
];
const SNS_ACTIONS = [
  'CreateTopic',
  'DeleteTopic',
  'ListTopics',
  'GetTopicAttributes',
  'SetTopicAttributes',
  'Subscribe',
  'Unsubscribe',
  'ListSubscriptions',
  'ListSubscriptionsByTopic',
  'Publish',
  'TagResource',
  'ListTagsForResource',
  'constructor',
  '__proto__',
  'toString',
];
const CLOUDFORMATION_ACTIONS = [
  'DescribeStacks',
  'ListExports',
  'ListStackResources',
  'DescribeStackResources',
  'CreateStack',
  'constructor',
];
const QUERY_PARAMS = [
  'Name',
  'TopicArn',
  'Protocol',
  'Endpoint',
  'Message',
  'Subject',
  'AttributeName',
  'AttributeValue',
  'Attributes.entry.1.key',
  'Attributes.entry.1.value',
  'Attributes.entry.x.key',
  'Tags.member.1.Key',
  'Tags.member.1.Value',
  'Tags.member.99999999999999999999.Key',
  'MessageAttributes.entry.1.Name',
  'MessageAttributes.entry.1.Value.DataType',
  'MessageAttributes.entry.1.Value.StringValue',
  'NextToken',
  'AlarmName',
  'AlarmNames.member.1',
  'AlarmNames.member.0',
  'Namespace',
  'MetricName',
  'Statistic',
  'Statistics.member.1',
  'Period',
  'EvaluationPeriods',
  'Threshold',
  'ComparisonOperator',
  'StartTime',
  'EndTime',
  'StateValue',
  'StateReason',
  'Dimensions.member.1.Name',
  'Dimensions.member.1.Value',
  'MetricData.member.1.MetricName',
  'MetricData.member.1.Value',
  'MetricData.member.1.Values.member.1',
  'MetricData.member.1.Timestamp',
  'Metrics.member.1.Id',
  'Metrics.member.1.Expression',
  'Metrics.member.1.ReturnData',
  'Metrics.member.1.MetricStat.Metric.MetricName',
  'Metrics.member.1.MetricStat.Period',
  'Metrics.member.1.MetricStat.Stat',
  'MetricDataQueries.member.1.Id',
  'MetricDataQueries.member.1.Expression',
  'StackName',
  'member',
  'member.1',
  '.',
  '..member.',
  '__proto__.polluted',
  'Attributes.__proto__.x',
  'constructor.prototype.polluted',
  'Attributes.constructor.x',
  'prototype',
];

interface FuzzRequest {
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

function randomRequest(rng: Rng): FuzzRequest {
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

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

function send(url: string, req: FuzzRequest): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const r = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.path,
        headers: { ...req.headers, 'content-length': String(req.body.length) },
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    r.setTimeout(HANG_MS, () => r.destroy(new Error(`no answer within ${HANG_MS} ms (hang)`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

/**
 * Dynalite copies DynamoDB's own non-JSON answers: `healthy: ...` for a GET, a bare 404
 * `<UnknownOperationException/>` for other methods or a non-JSON content type, and an empty 413
 * over 16 MiB.
 */
function dynaliteMimicsAws(req: FuzzRequest, reply: Reply): boolean {
  const text = reply.body.toString('utf8');
  if (req.method === 'GET' && reply.status === 200) return text.startsWith('healthy: dynamodb.');
  if (reply.status === 404) return text.trim() === '<UnknownOperationException/>';
  return reply.status === 413 && text === '';
}

/** Why a reply is not what AWS would send for this request, or undefined when it is fine. */
function shapeProblem(req: FuzzRequest, reply: Reply): string | undefined {
  const { status } = reply;
  if (!Number.isInteger(status) || status < 200 || status > 599) return `invalid status ${status}`;
  if (req.method === 'HEAD' || status === 204 || status === 202) return undefined;
  // Node's HTTP parser refuses request lines over 16 KiB before the emulator sees them.
  if (status === 431 && reply.body.length === 0) return undefined;
  if (req.kind.endsWith('dynamodb') && dynaliteMimicsAws(req, reply)) return undefined;
  const contentType = String(reply.headers['content-type'] ?? '');
  const text = reply.body.toString('utf8');
  if (status < 400) {
    if (contentType.includes('xml'))
      return text.startsWith('<?xml') ? undefined : 'non-XML 2xx body';
    if (req.kind === 'lambda' && req.path.includes('/invocations')) return undefined;
    try {
      JSON.parse(text);
      return undefined;
    } catch {
      return `2xx body is not JSON: ${text.slice(0, 80)}`;
    }
  }
  if (contentType.includes('xml')) {
    if (!/<ErrorResponse[\s>]/.test(text))
      return `XML error without ErrorResponse: ${text.slice(0, 120)}`;
    if (!/<Code>[^<]+<\/Code>/.test(text)) return 'XML error without Code';
    if (!/<Message>/.test(text)) return 'XML error without Message';
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `error body is neither JSON nor XML (${contentType}): ${text.slice(0, 80)}`;
  }
  if (typeof parsed !== 'object' || parsed === null) return 'error body is not a JSON object';
  const body = parsed as Record<string, unknown>;
  const code = body.__type ?? reply.headers['x-amzn-errortype'];
  if (typeof code !== 'string' || code === '')
    return 'JSON error without __type or x-amzn-errortype';
  // Real DynamoDB omits the message for a few errors (SerializationException, UnknownOperation).
  const message = body.message ?? body.Message;
  if (typeof message !== 'string' && req.kind !== 'dynamodb')
    return `JSON error ${code} without message`;
  return undefined;
}

function errorCode(reply: Reply): string {
  const text = reply.body.toString('utf8');
  const xml = /<Code>([^<]+)<\/Code>/.exec(text);
  if (xml) return xml[1]!;
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    return String(body.__type ?? reply.headers['x-amzn-errortype'] ?? '?');
  } catch {
    return '?';
  }
}

function describeRequest(req: FuzzRequest): string {
  const body =
    req.body.length > 200
      ? `${req.body.subarray(0, 200).toString('latin1')}… (${req.body.length} bytes)`
      : req.body.toString('latin1');
  return `${req.kind}: ${req.method} ${req.path.slice(0, 120)} ${JSON.stringify(req.headers)} ${JSON.stringify(body)}`;
}

interface FuzzReport {
  total: number;
  byStatus: Map<number, number>;
  /** One example per distinct 5xx (kind + status + code). */
  serverErrors: Map<string, { count: number; example: string; body: string }>;
  shapeProblems: Map<string, { count: number; example: string }>;
  transportErrors: Map<string, { count: number; example: string }>;
}

async function runFuzz(url: string, requests: FuzzRequest[]): Promise<FuzzReport> {
  const report: FuzzReport = {
    total: 0,
    byStatus: new Map(),
    serverErrors: new Map(),
    shapeProblems: new Map(),
    transportErrors: new Map(),
  };
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const req = requests[next++]!;
      report.total++;
      try {
        const reply = await send(url, req);
        report.byStatus.set(reply.status, (report.byStatus.get(reply.status) ?? 0) + 1);
        if (reply.status >= 500) {
          const key = `${req.kind} ${reply.status} ${errorCode(reply)}`;
          const seen = report.serverErrors.get(key);
          if (seen) seen.count++;
          else
            report.serverErrors.set(key, {
              count: 1,
              example: describeRequest(req),
              body: reply.body.toString('utf8').slice(0, 300),
            });
        }
        const problem = shapeProblem(req, reply);
        if (problem) {
          const key = `${req.kind}: ${problem.slice(0, 60)}`;
          const seen = report.shapeProblems.get(key);
          if (seen) seen.count++;
          else
            report.shapeProblems.set(key, {
              count: 1,
              example: `${problem}\n    ${describeRequest(req)}`,
            });
        }
      } catch (err) {
        const key = `${req.kind}: ${(err as Error).message}`;
        const seen = report.transportErrors.get(key);
        if (seen) seen.count++;
        else report.transportErrors.set(key, { count: 1, example: describeRequest(req) });
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return report;
}

function printReport(report: FuzzReport): void {
  const lines = [
    `fuzz: ${report.total} requests, seed ${SEED}; statuses ${JSON.stringify(Object.fromEntries([...report.byStatus].sort((a, b) => a[0] - b[0])))}`,
  ];
  for (const [key, v] of report.serverErrors)
    lines.push(`  5xx ${key} x${v.count}\n    ${v.example}\n    -> ${v.body}`);
  for (const [key, v] of report.shapeProblems)
    lines.push(`  shape ${key} x${v.count}\n    ${v.example}`);
  for (const [key, v] of report.transportErrors)
    lines.push(`  transport ${key} x${v.count}\n    ${v.example}`);
  console.log(lines.join('\n'));
}

const START = Date.UTC(2026, 2, 2, 10, 0, 0);
let clock: ManualClock;
let emulator: Emulator;
let clients: AwsClients;
let report: FuzzReport;

const KEEP_STREAM = 'keep-stream';
const KEEP_TOPIC = 'keep-topic';
const KEEP_TABLE = 'keep-table';
const keepAlarm: PutMetricAlarmInput = {
  AlarmName: 'keep-alarm',
  EvaluationPeriods: 1,
  Threshold: 0.8,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'ignore',
  Metrics: [
    {
      Id: 'm1',
      ReturnData: false,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Kinesis',
          MetricName: 'IncomingBytes',
          Dimensions: [{ Name: 'StreamName', Value: KEEP_STREAM }],
        },
        Period: 60,
        Stat: 'Sum',
      },
    },
    { Id: 'usage', Expression: 'FILL(m1,0)/(1048576*60*2)', ReturnData: true },
  ],
};
const keptRecords = Array.from({ length: 20 }, (_, i) => `record-${i}`);
let streamBefore: unknown;
let alarmBefore: unknown;
let topicBefore: Record<string, string> | undefined;

async function readAllRecords(stream: string): Promise<string[]> {
  const desc = await clients.kinesis.send(new DescribeStreamCommand({ StreamName: stream }));
  const out: string[] = [];
  for (const shard of desc.StreamDescription?.Shards ?? []) {
    const it = await clients.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shard.ShardId!,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const got = await clients.kinesis.send(
      new GetRecordsCommand({ ShardIterator: it.ShardIterator! }),
    );
    for (const r of got.Records ?? []) out.push(Buffer.from(r.Data!).toString('utf8'));
  }
  return out.sort();
}

beforeAll(async () => {
  clock = new ManualClock(START);
  emulator = await Emulator.start({ port: 0, clock, onLambdaLog: () => undefined });
  clients = createClients({ endpoint: emulator.url, region: 'us-east-1' }, {});

  await clients.kinesis.send(new CreateStreamCommand({ StreamName: KEEP_STREAM, ShardCount: 2 }));
  await clock.advance(60_000);
  await clients.kinesis.send(
    new PutRecordsCommand({
      StreamName: KEEP_STREAM,
      Records: keptRecords.map((r) => ({ PartitionKey: r, Data: Buffer.from(r) })),
    }),
  );
  await clients.cloudwatch.send(new PutMetricAlarmCommand(keepAlarm));
  const topic = await clients.sns.send(new CreateTopicCommand({ Name: KEEP_TOPIC }));
  await clients.dynamodb.send(
    new CreateTableCommand({
      TableName: KEEP_TABLE,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await clients.dynamodb.send(new PutCommand({ TableName: KEEP_TABLE, Item: { id: 'a', n: 1 } }));

  streamBefore = (
    await clients.kinesis.send(new DescribeStreamCommand({ StreamName: KEEP_STREAM }))
  ).StreamDescription;
  alarmBefore = (
    await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['keep-alarm'] }))
  ).MetricAlarms;
  topicBefore = (
    await clients.sns.send(new GetTopicAttributesCommand({ TopicArn: topic.TopicArn! }))
  ).Attributes;

  const rng = new Rng(SEED);
  const requests = Array.from({ length: REQUESTS }, () => randomRequest(rng));
  // A few bodies just past the limit, to every kind of endpoint (DynamoDB is served raw by dynalite).
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
  report = await runFuzz(emulator.url, requests);
  printReport(report);
}, 120_000);

afterAll(async () => {
  agent.destroy();
  await emulator?.stop();
});

describe('the emulator under fuzzing', () => {
  it('answers every request, without hangs or dropped connections', () => {
    expect(report.total).toBeGreaterThanOrEqual(REQUESTS);
    expect([...report.transportErrors.keys()]).toEqual([]);
  });

  it('answers client garbage with 4xx, never 5xx', () => {
    expect([...report.serverErrors.keys()]).toEqual([]);
  });

  it('gives every error an AWS-shaped body', () => {
    expect([...report.shapeProblems.keys()]).toEqual([]);
  });

  it('keeps the state created before the fuzz run intact', async () => {
    const stream = await clients.kinesis.send(
      new DescribeStreamCommand({ StreamName: KEEP_STREAM }),
    );
    expect(stream.StreamDescription).toEqual(streamBefore);
    expect(await readAllRecords(KEEP_STREAM)).toEqual([...keptRecords].sort());
    const alarms = await clients.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: ['keep-alarm'] }),
    );
    expect(alarms.MetricAlarms).toEqual(alarmBefore);
    const topics = await clients.sns.send(new ListTopicsCommand({}));
    expect(topics.Topics).toContainEqual({
      TopicArn: `arn:aws:sns:us-east-1:000000000000:${KEEP_TOPIC}`,
    });
    const attributes = await clients.sns.send(
      new GetTopicAttributesCommand({
        TopicArn: `arn:aws:sns:us-east-1:000000000000:${KEEP_TOPIC}`,
      }),
    );
    expect(attributes.Attributes).toEqual(topicBefore);
    const item = await clients.dynamodb.send(
      new GetCommand({ TableName: KEEP_TABLE, Key: { id: 'a' } }),
    );
    expect(item.Item).toEqual({ id: 'a', n: 1 });
    // Nothing the fuzzer did may have polluted Object.prototype through a decoded key.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('still serves well-formed requests afterwards', async () => {
    await clients.kinesis.send(
      new CreateStreamCommand({ StreamName: 'after-fuzz', ShardCount: 1 }),
    );
    await clock.advance(60_000);
    const put = await clients.kinesis.send(
      new PutRecordCommand({
        StreamName: 'after-fuzz',
        PartitionKey: 'k',
        Data: Buffer.from('after'),
      }),
    );
    expect(put.ShardId).toBe('shardId-000000000000');
    await clients.cloudwatch.send(
      new PutMetricAlarmCommand({ ...keepAlarm, AlarmName: 'after-fuzz' }),
    );
    const alarm = await clients.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: ['after-fuzz'] }),
    );
    expect(alarm.MetricAlarms).toHaveLength(1);
    const topic = await clients.sns.send(new CreateTopicCommand({ Name: 'after-fuzz' }));
    expect(topic.TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:after-fuzz');
    await clients.dynamodb.send(new PutCommand({ TableName: KEEP_TABLE, Item: { id: 'b', n: 2 } }));
    const item = await clients.dynamodb.send(
      new GetCommand({ TableName: KEEP_TABLE, Key: { id: 'b' } }),
    );
    expect(item.Item).toEqual({ id: 'b', n: 2 });
  });

  it('keeps evaluating alarms on the clock after the fuzz run', async () => {
    // Alarms the fuzzer created with odd settings must not break the shared evaluation timers.
    await clock.advance(5 * 60_000);
    const alarms = await clients.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: ['keep-alarm'] }),
    );
    expect(alarms.MetricAlarms?.[0]?.StateValue).toBe('OK');
  });
});

/** Sends one raw request and resolves with the status, or with the transport error's message. */
async function probe(url: string, req: Omit<FuzzRequest, 'kind'>): Promise<number | string> {
  const once = new http.Agent({ keepAlive: false });
  try {
    return await new Promise<number>((resolve, reject) => {
      const target = new URL(url);
      const r = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.path,
          headers: { ...req.headers, 'content-length': String(req.body.length) },
          agent: once,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      r.setTimeout(5_000, () => r.destroy(new Error('no answer within 5 s')));
      r.on('error', reject);
      r.end(req.body);
    });
  } catch (err) {
    return (err as Error).message;
  } finally {
    once.destroy();
  }
}

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Runs the request against an emulator in a child process, because these requests throw from an
 * event handler: in-process they would surface as an uncaught exception in the test runner, in a
 * real `kas local` they kill the emulator. Resolves with the status (or transport error) and
 * whether the emulator process survived.
 */
async function probeInChild(
  req: Omit<FuzzRequest, 'kind'>,
): Promise<{ answer: number | string; alive: boolean }> {
  const code = `
    const { Emulator } = await import(${JSON.stringify(new URL('./emulator.ts', import.meta.url).href)});
    const { ManualClock } = await import(${JSON.stringify(new URL('./clock.ts', import.meta.url).href)});
    const emulator = await Emulator.start({ port: 0, clock: new ManualClock() });
    console.log(emulator.url);
    process.stdin.on('end', () => emulator.stop().then(() => process.exit(0)));
    process.stdin.resume();
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /http:\/\/\S+/.exec(out);
        if (m) resolve(m[0]);
      });
      child.once('exit', (status) => reject(new Error(`the emulator child exited (${status})`)));
    });
    const answer = await probe(url, req);
    // Give a crash in a later tick the chance to take the process down before asking.
    await new Promise((r) => setTimeout(r, 200));
    return { answer, alive: child.exitCode === null && child.signalCode === null };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}

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
