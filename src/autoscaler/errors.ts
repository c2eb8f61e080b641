/**
 * How the scaler reacts to an AWS error. Permanent errors are logged and swallowed, because a retry
 * would fail the same way and Lambda would retry an async event twice for nothing; transient ones
 * are thrown so Lambda retries; ResourceInUse means the stream is resharding and the alarm is
 * re-armed so it fires again later.
 */
export type ErrorKind = 'permanent' | 'transient' | 'in-use';

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
  name?: string;
  code?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function errorName(err: unknown): string {
  const e = err as AwsLikeError | undefined;
  return e?.name ?? e?.code ?? 'Error';
}

export function classifyError(err: unknown): ErrorKind {
  const e = (err ?? {}) as AwsLikeError;
  const name = errorName(err);
  if (name === 'ResourceInUseException') return 'in-use';
  if (TRANSIENT_CODES.has(name) || (e.code && NETWORK_CODES.has(e.code))) return 'transient';
  // Kinesis reports both its per-second call rate and its daily quota as LimitExceeded.
  if (name === 'LimitExceededException')
    return /rate exceeded/i.test(e.message ?? '') ? 'transient' : 'permanent';
  if (e.$retryable) return 'transient';
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429 ? 'transient' : 'permanent';
  // No HTTP status: the request never got an answer (socket errors and the like).
  return 'transient';
}
