import { AwsError } from '../protocol/errors.js';
import { jsonErrorResponse, jsonResponse, parseJsonBody } from '../protocol/json.js';
import type { AwsRequest, AwsResponse, ServiceEndpoint } from '../protocol/types.js';

const PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';

/**
 * An ECR registry with no repositories (awsJson1_1). The autoscaler ships zips, not images, but
 * deployment tools ask: `sls remove` looks for the service's image repository before it deletes
 * the stack, and must hear that there is none.
 */
export class EcrEndpoint implements ServiceEndpoint {
  readonly name = 'ecr';

  accepts(req: AwsRequest): boolean {
    return req.target?.startsWith(PREFIX) === true || req.signingService === 'ecr';
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    const op = req.target?.slice(PREFIX.length) ?? '';
    try {
      const input = parseJsonBody(req);
      if (op !== 'DescribeRepositories') {
        throw new AwsError(
          'UnknownOperationException',
          `The embedded emulator's ECR has no repositories and does not implement ${op || '(no target)'}; it answers DescribeRepositories`,
        );
      }
      const registry = typeof input.registryId === 'string' ? input.registryId : req.accountId;
      const names = Array.isArray(input.repositoryNames) ? input.repositoryNames : [];
      if (names.length > 0) {
        throw new AwsError(
          'RepositoryNotFoundException',
          `The repository with name '${String(names[0])}' does not exist in the registry with id '${registry}'`,
        );
      }
      return jsonResponse({ repositories: [] });
    } catch (err) {
      return jsonErrorResponse(err);
    }
  }
}
