/**
 * CloudWatch over awsJson1_0 in query-compatible mode, as the current AWS SDK for JavaScript
 * speaks it: `x-amz-target: GraniteServiceVersion20100801.<Op>`, timestamps as epoch seconds.
 */
import { AwsError } from '../protocol/errors.js';
import { jsonErrorResponse, jsonResponse, parseJsonBody } from '../protocol/json.js';
import type { AwsRequest, AwsResponse, ServiceEndpoint } from '../protocol/types.js';
import type { CloudWatchModel } from './model.js';
import { CLOUDWATCH_OPERATIONS, hasOperation } from './operations.js';

const TARGET_PREFIX = 'GraniteServiceVersion20100801.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

export class CloudWatchJsonEndpoint implements ServiceEndpoint {
  readonly name = 'cloudwatch';

  constructor(private readonly resolve: (region: string) => CloudWatchModel) {}

  accepts(req: AwsRequest): boolean {
    return req.target?.startsWith(TARGET_PREFIX) ?? false;
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    try {
      const op = (req.target ?? '').slice(TARGET_PREFIX.length);
      if (!hasOperation(op)) {
        throw new AwsError(
          'UnknownOperationException',
          `The embedded emulator does not serve CloudWatch operation ${op}`,
        );
      }
      const input = parseJsonBody(req);
      const result = CLOUDWATCH_OPERATIONS[op]!(this.resolve(req.region), input);
      return jsonResponse(toEpochSeconds(result ?? {}), CONTENT_TYPE);
    } catch (err) {
      return jsonErrorResponse(err, { contentType: CONTENT_TYPE, queryCompatible: true });
    }
  }
}

function toEpochSeconds(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toEpochSeconds);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toEpochSeconds(v);
    return out;
  }
  return value;
}
