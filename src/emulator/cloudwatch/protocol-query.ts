/**
 * CloudWatch over the Query protocol (form-encoded requests, XML responses), which AWS CLI v2 and
 * boto3 still use for the `monitoring` service.
 */
import { AwsError } from '../protocol/errors.js';
import { decodeQuery, queryErrorResponse, queryParams, xmlResponse } from '../protocol/query.js';
import type { AwsRequest, AwsResponse, ServiceEndpoint } from '../protocol/types.js';
import type { CloudWatchModel } from './model.js';
import { CLOUDWATCH_OPERATIONS, hasOperation } from './operations.js';

const VERSION = '2010-08-01';
const XMLNS = 'http://monitoring.amazonaws.com/doc/2010-08-01/';

export class CloudWatchQueryEndpoint implements ServiceEndpoint {
  readonly name = 'cloudwatch-query';

  constructor(private readonly resolve: (region: string) => CloudWatchModel) {}

  accepts(req: AwsRequest): boolean {
    const contentType = String(req.headers['content-type'] ?? '');
    if (!contentType.startsWith('application/x-www-form-urlencoded')) return false;
    return req.signingService === 'monitoring' || queryParams(req).get('Version') === VERSION;
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    try {
      const params = queryParams(req);
      const action = params.get('Action');
      if (!action) throw new AwsError('MissingAction', 'The request must contain an Action.');
      if (!hasOperation(action)) {
        throw new AwsError(
          'InvalidAction',
          `Could not find operation ${action} for version ${params.get('Version') ?? VERSION}`,
        );
      }
      const result = CLOUDWATCH_OPERATIONS[action]!(this.resolve(req.region), decodeQuery(params));
      return xmlResponse(action, result || undefined, req.requestId, XMLNS);
    } catch (err) {
      return queryErrorResponse(err, req.requestId, XMLNS);
    }
  }
}
