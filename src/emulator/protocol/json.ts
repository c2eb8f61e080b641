import { AwsError, toAwsError } from './errors.js';
import type { AwsRequest, AwsResponse } from './types.js';

/** Parses an awsJson request body; an empty body counts as `{}` as AWS treats it. */
export function parseJsonBody(req: AwsRequest): Record<string, unknown> {
  const text = req.body.toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AwsError(
      'SerializationException',
      'Start of structure or map found where not expected, or the body is not valid JSON',
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AwsError('SerializationException', 'The request body must be a JSON object');
  }
  if (depthExceeds(value, MAX_DEPTH)) {
    throw new AwsError(
      'SerializationException',
      `The request body is nested deeper than ${MAX_DEPTH} levels`,
    );
  }
  return value as Record<string, unknown>;
}

/** No AWS request shape nests anywhere near this; deeper input only serves to overflow the stack. */
const MAX_DEPTH = 64;

/** Iterative, so checking a hostile body cannot itself overflow the stack. */
function depthExceeds(root: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (depth > limit) return true;
    if (value !== null && typeof value === 'object') {
      for (const child of Object.values(value))
        if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

export function jsonResponse(
  result: unknown,
  contentType = 'application/x-amz-json-1.1',
  status = 200,
): AwsResponse {
  return {
    status,
    headers: { 'content-type': contentType },
    body: JSON.stringify(result ?? {}),
  };
}

export interface JsonErrorOptions {
  contentType?: string;
  /**
   * awsJson services that are "query compatible" (CloudWatch) also send `x-amzn-query-error` so
   * that SDKs report the same error codes as the Query protocol.
   */
  queryCompatible?: boolean;
}

export function jsonErrorResponse(err: unknown, opts: JsonErrorOptions = {}): AwsResponse {
  const e = toAwsError(err);
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? 'application/x-amz-json-1.1',
    'x-amzn-errortype': e.code,
  };
  if (opts.queryCompatible) headers['x-amzn-query-error'] = `${e.code};${e.faultType}`;
  return {
    status: e.status,
    headers,
    body: JSON.stringify({ __type: e.code, message: e.message }),
  };
}
