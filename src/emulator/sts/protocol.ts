import { AwsError } from '../protocol/errors.js';
import { queryErrorResponse, queryParams, xmlResponse } from '../protocol/query.js';
import type { AwsRequest, AwsResponse, ServiceEndpoint } from '../protocol/types.js';

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const VERSION = '2011-06-15';

/**
 * STS over the Query protocol (what SDK v2 and v3, boto3 and the AWS CLI speak): enough for
 * deployment tools to learn the account they deploy into. Every caller is the account root: the
 * emulator accepts any credentials and has no IAM.
 */
export class StsEndpoint implements ServiceEndpoint {
  readonly name = 'sts';

  accepts(req: AwsRequest): boolean {
    if (req.signingService === 'sts') return true;
    if (req.target !== undefined) return false;
    const contentType = String(req.headers['content-type'] ?? '');
    if (req.method === 'POST' && !contentType.startsWith('application/x-www-form-urlencoded')) {
      return false;
    }
    return queryParams(req).get('Version') === VERSION;
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    const action = queryParams(req).get('Action') ?? '';
    try {
      if (action !== 'GetCallerIdentity') {
        throw new AwsError(
          'InvalidAction',
          `The embedded emulator does not implement STS ${action || '(no Action)'}; it answers GetCallerIdentity`,
        );
      }
      return xmlResponse(
        action,
        {
          Arn: `arn:aws:iam::${req.accountId}:root`,
          UserId: req.accountId,
          Account: req.accountId,
        },
        req.requestId,
        XMLNS,
      );
    } catch (err) {
      return queryErrorResponse(err, req.requestId, XMLNS);
    }
  }
}
