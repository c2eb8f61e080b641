import type { Clock } from '../clock.js';
import { AwsError } from './errors.js';
import { queryParams } from './query.js';
import type { AwsRequest } from './types.js';

/**
 * AWS's per-account API request rates for the control-plane calls the autoscaler and its kit make,
 * enforced at the emulator's dispatch layer with token buckets on the emulator's clock. Over a
 * rate the call fails as the real service fails it: CloudWatch with `Throttling` ("Rate
 * exceeded"), Kinesis with `LimitExceededException`. Each bucket holds one second of requests, so
 * a burst of `perSecond` calls at one instant passes and the next one is throttled.
 *
 * Sources (defaults as of 2026):
 * - CloudWatch: "CloudWatch service quotas" (Amazon CloudWatch User Guide): DescribeAlarms 9 TPS;
 *   PutMetricAlarm, SetAlarmState, DeleteAlarms, DescribeAlarmHistory, DescribeAlarmsForMetric,
 *   DisableAlarmActions, EnableAlarmActions 3 TPS each; GetMetricData 50 TPS; ListMetrics 25 TPS;
 *   GetMetricStatistics 400 TPS; PutMetricData 500 TPS.
 * - Kinesis: the Amazon Kinesis Data Streams API Reference, per operation: DescribeStreamSummary
 *   20 TPS per account; DescribeStream 10; ListStreams, CreateStream, DeleteStream,
 *   AddTagsToStream, RemoveTagsFromStream, ListTagsForStream, SplitShard, MergeShards 5 each;
 *   DescribeLimits 1; ListShards 1,000 per stream. UpdateShardCount's page gives no TPS figure;
 *   10 per second per account is used (our AWS facts note "at most 10 calls per second").
 */
export interface RateLimit {
  service: 'cloudwatch' | 'kinesis';
  operation: string;
  perSecond: number;
  /** `stream`: one bucket per stream named in the request (Kinesis ListShards). */
  scope?: 'account' | 'stream';
}

export const AWS_RATE_LIMITS: readonly RateLimit[] = [
  { service: 'cloudwatch', operation: 'DescribeAlarms', perSecond: 9 },
  { service: 'cloudwatch', operation: 'PutMetricAlarm', perSecond: 3 },
  { service: 'cloudwatch', operation: 'SetAlarmState', perSecond: 3 },
  { service: 'cloudwatch', operation: 'DeleteAlarms', perSecond: 3 },
  { service: 'cloudwatch', operation: 'DescribeAlarmHistory', perSecond: 3 },
  { service: 'cloudwatch', operation: 'DescribeAlarmsForMetric', perSecond: 3 },
  { service: 'cloudwatch', operation: 'DisableAlarmActions', perSecond: 3 },
  { service: 'cloudwatch', operation: 'EnableAlarmActions', perSecond: 3 },
  { service: 'cloudwatch', operation: 'GetMetricData', perSecond: 50 },
  { service: 'cloudwatch', operation: 'ListMetrics', perSecond: 25 },
  { service: 'cloudwatch', operation: 'GetMetricStatistics', perSecond: 400 },
  { service: 'cloudwatch', operation: 'PutMetricData', perSecond: 500 },
  { service: 'kinesis', operation: 'DescribeStreamSummary', perSecond: 20 },
  { service: 'kinesis', operation: 'DescribeStream', perSecond: 10 },
  { service: 'kinesis', operation: 'ListStreams', perSecond: 5 },
  { service: 'kinesis', operation: 'CreateStream', perSecond: 5 },
  { service: 'kinesis', operation: 'DeleteStream', perSecond: 5 },
  { service: 'kinesis', operation: 'AddTagsToStream', perSecond: 5 },
  { service: 'kinesis', operation: 'RemoveTagsFromStream', perSecond: 5 },
  { service: 'kinesis', operation: 'ListTagsForStream', perSecond: 5 },
  { service: 'kinesis', operation: 'SplitShard', perSecond: 5 },
  { service: 'kinesis', operation: 'MergeShards', perSecond: 5 },
  { service: 'kinesis', operation: 'DescribeLimits', perSecond: 1 },
  { service: 'kinesis', operation: 'UpdateShardCount', perSecond: 10 },
  { service: 'kinesis', operation: 'ListShards', perSecond: 1000, scope: 'stream' },
];

export interface RateLimiterOptions {
  clock: Clock;
  /** Replaces the default table (for example to raise a quota as an account may). */
  limits?: readonly RateLimit[];
  /**
   * Also refill with real time that passes while the emulator's clock stands still, and with the
   * waits that Lambda code skipped under it (`clock.skippedWaits`) (default true). A virtual clock
   * stands still while Lambdas run, but their SDKs back off before retrying a throttled call, and
   * on AWS that wait is what lets the bucket refill; without it every retry in the same virtual
   * instant would be throttled again.
   */
  realTime?: boolean;
}

interface Bucket {
  tokens: number;
  at: number;
  wallAt: number;
}

const KINESIS_PREFIX = 'Kinesis_20131202.';
const CLOUDWATCH_JSON_PREFIX = 'GraniteServiceVersion20100801.';
const CLOUDWATCH_VERSION = '2010-08-01';

/** Per-account, per-region token buckets for the operations in the table. */
export class ApiRateLimiter {
  private readonly limits = new Map<string, RateLimit>();
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly opts: RateLimiterOptions) {
    for (const l of opts.limits ?? AWS_RATE_LIMITS) {
      this.limits.set(`${l.service}.${l.operation}`, l);
    }
  }

  /** The throttling error to answer with, or undefined when the request may go ahead. */
  check(req: AwsRequest): AwsError | undefined {
    const op = operationOf(req);
    if (!op) return undefined;
    const limit = this.limits.get(`${op.service}.${op.operation}`);
    if (!limit) return undefined;
    const stream = op.service === 'kinesis' ? streamOf(req) : undefined;
    const key = [req.accountId, req.region, op.service, op.operation];
    if (limit.scope === 'stream') key.push(stream ?? '');
    if (this.take(key.join('/'), limit.perSecond)) return undefined;
    if (op.service === 'cloudwatch') return new AwsError('Throttling', 'Rate exceeded', 400);
    return new AwsError(
      'LimitExceededException',
      stream
        ? `Rate exceeded for stream ${stream} under account ${req.accountId}.`
        : `Rate exceeded for account ${req.accountId}.`,
      400,
    );
  }

  private take(key: string, perSecond: number): boolean {
    const now = this.opts.clock.now();
    const wall = performance.now() + (this.opts.clock.skippedWaits?.totalMs ?? 0);
    const bucket = this.buckets.get(key) ?? { tokens: perSecond, at: now, wallAt: wall };
    // With a SystemClock both measures agree; with a virtual one the larger is the time that
    // passed for the caller.
    const elapsed = Math.max(
      now - bucket.at,
      this.opts.realTime === false ? 0 : wall - bucket.wallAt,
    );
    bucket.tokens = Math.min(perSecond, bucket.tokens + (elapsed / 1000) * perSecond);
    bucket.at = now;
    bucket.wallAt = wall;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

function operationOf(req: AwsRequest): { service: string; operation: string } | undefined {
  if (req.target?.startsWith(KINESIS_PREFIX)) {
    return { service: 'kinesis', operation: req.target.slice(KINESIS_PREFIX.length) };
  }
  if (req.target?.startsWith(CLOUDWATCH_JSON_PREFIX)) {
    return { service: 'cloudwatch', operation: req.target.slice(CLOUDWATCH_JSON_PREFIX.length) };
  }
  const contentType = String(req.headers['content-type'] ?? '');
  if (req.target === undefined && contentType.startsWith('application/x-www-form-urlencoded')) {
    const params = queryParams(req);
    if (req.signingService === 'monitoring' || params.get('Version') === CLOUDWATCH_VERSION) {
      const action = params.get('Action');
      return action ? { service: 'cloudwatch', operation: action } : undefined;
    }
  }
  return undefined;
}

/** The stream a Kinesis request names, for per-stream buckets and AWS's error message. */
function streamOf(req: AwsRequest): string | undefined {
  try {
    const body = JSON.parse(req.body.toString('utf8')) as {
      StreamName?: unknown;
      StreamARN?: unknown;
    };
    if (typeof body.StreamName === 'string') return body.StreamName;
    if (typeof body.StreamARN === 'string') return body.StreamARN.split('/').pop();
  } catch {
    // The service answers a malformed body itself.
  }
  return undefined;
}
