import { errorMessage, errorName, sdkAttempts } from '../aws/errors.js';

/**
 * Errors of the autoscaler, and how it reacts to AWS's.
 *
 * The autoscaler's own errors share one base class that carries a `cause` (as Powertools' errors
 * module does), so that a rejection can name the input at fault and still keep the underlying
 * error for the log. AWS and network errors are classified by `classifyError`: permanent ones are
 * logged and swallowed, because a retry would fail the same way and Lambda would retry an async
 * event twice for nothing; transient ones are thrown so Lambda retries; `in-use` means the stream is
 * resharding and the alarm is re-armed so it fires again later; `quota` means Kinesis refused for a
 * limit that lifts with time (the rolling daily quota, the account's shard quota), so it is re-armed
 * too rather than given up on.
 */
export class AutoscalerError extends Error {
  // Named explicitly: the bundle is minified, so class names are not the ones in the source.
  override name = 'AutoscalerError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The input (message, alarm, stream tags, configuration) is at fault: logged as `rejected`. */
export class InputError extends AutoscalerError {
  override name = 'InputError';
}

export type ErrorKind = 'permanent' | 'transient' | 'in-use' | 'quota';

const TRANSIENT_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'ProvisionedThroughputExceededException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'InternalServiceError',
  'InternalError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

interface AwsLikeError {
  code?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

function asAwsLike(err: unknown): AwsLikeError {
  return typeof err === 'object' && err !== null ? (err as AwsLikeError) : {};
}

export { errorMessage, errorName, sdkAttempts };

/** `Name: message`, the form the decision log uses for AWS errors. */
export function describeError(err: unknown): string {
  return `${errorName(err)}: ${errorMessage(err)}`;
}

export function isErrorNamed(err: unknown, name: string): boolean {
  return errorName(err) === name;
}

export function classifyError(err: unknown): ErrorKind {
  const e = asAwsLike(err);
  const name = errorName(err);
  if (name === 'ResourceInUseException') return 'in-use';
  if (TRANSIENT_CODES.has(name) || (e.code && NETWORK_CODES.has(e.code))) return 'transient';
  // Kinesis reports its per-second call rate, its rolling daily UpdateShardCount quota and the
  // account's shard quota all as LimitExceeded: the first passes in a second, the others in
  // minutes to hours, and none is the input's fault.
  if (name === 'LimitExceededException')
    return /rate exceeded/i.test(e.message ?? '') ? 'transient' : 'quota';
  if (e.$retryable) return 'transient';
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429 ? 'transient' : 'permanent';
  // No HTTP status: the request never got an answer (socket errors and the like).
  return 'transient';
}
