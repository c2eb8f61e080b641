import { AwsError } from '../protocol/errors.js';
import { decodeQuery, queryErrorResponse, queryParams, xmlResponse } from '../protocol/query.js';
import type { AwsRequest, AwsResponse, ServiceEndpoint } from '../protocol/types.js';
import type { CloudFormationModel, StackRecord, StackResourceRecord } from './model.js';

const XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
const VERSION = '2010-05-15';

/**
 * The read side of CloudFormation (awsQuery): tools and tests can look up what the emulator
 * applied. Stacks are applied by the kit itself, so the write actions are refused.
 */
export class CloudFormationEndpoint implements ServiceEndpoint {
  readonly name = 'cloudformation';

  constructor(private readonly model: CloudFormationModel) {}

  accepts(req: AwsRequest): boolean {
    if (req.signingService === 'cloudformation') return true;
    if (req.target !== undefined || req.method !== 'POST') return false;
    const contentType = String(req.headers['content-type'] ?? '');
    if (!contentType.startsWith('application/x-www-form-urlencoded')) return false;
    return queryParams(req).get('Version') === VERSION;
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    const params = queryParams(req);
    const action = params.get('Action') ?? '';
    try {
      const input = decodeQuery(params);
      const str = (name: string): string | undefined => {
        const v = input[name];
        return typeof v === 'string' && v !== '' ? v : undefined;
      };
      let result: Record<string, unknown>;
      switch (action) {
        case 'DescribeStacks':
          result = this.describeStacks(req.region, str('StackName'));
          break;
        case 'ListExports':
          result = this.listExports(req.region);
          break;
        case 'ListStackResources':
          result = this.listStackResources(req.region, required(str('StackName'), 'StackName'));
          break;
        case 'DescribeStackResources':
          result = this.describeStackResources(
            req.region,
            str('StackName'),
            str('LogicalResourceId'),
            str('PhysicalResourceId'),
          );
          break;
        default:
          throw new AwsError(
            'InvalidAction',
            `The embedded emulator does not implement CloudFormation ${action || '(no Action)'}: it applies the ` +
              'service template itself when started (`npm start` / `kas deploy`). It answers only ' +
              'DescribeStacks, ListExports, ListStackResources and DescribeStackResources.',
          );
      }
      return xmlResponse(action, result, req.requestId, XMLNS);
    } catch (err) {
      return queryErrorResponse(err, req.requestId, XMLNS);
    }
  }

  private stack(region: string, name: string): StackRecord {
    const stack = this.model.getStack(region, name);
    if (!stack) throw new AwsError('ValidationError', `Stack with id ${name} does not exist`);
    return stack;
  }

  private describeStacks(region: string, name: string | undefined): Record<string, unknown> {
    const stacks = name ? [this.stack(region, name)] : this.model.listStacks(region);
    return {
      Stacks: stacks.map((s) => ({
        StackId: s.stackId,
        StackName: s.stackName,
        Description: s.description,
        Parameters: Object.entries(s.parameters).map(([k, v]) => ({
          ParameterKey: k,
          ParameterValue: v,
        })),
        CreationTime: new Date(s.creationTime),
        LastUpdatedTime: s.lastUpdatedTime === undefined ? undefined : new Date(s.lastUpdatedTime),
        StackStatus: s.status,
        DisableRollback: false,
        Outputs: s.outputs.map((o) => ({
          OutputKey: o.key,
          OutputValue: o.value,
          Description: o.description,
          ExportName: o.exportName,
        })),
      })),
    };
  }

  private listExports(region: string): Record<string, unknown> {
    return {
      Exports: this.model.listExports(region).map((e) => ({
        ExportingStackId: e.stackId,
        Name: e.name,
        Value: e.value,
      })),
    };
  }

  private listStackResources(region: string, name: string): Record<string, unknown> {
    const stack = this.stack(region, name);
    return {
      StackResourceSummaries: stack.resources.map((r) => ({
        LogicalResourceId: r.logicalId,
        PhysicalResourceId: r.physicalId,
        ResourceType: r.type,
        LastUpdatedTimestamp: new Date(r.timestamp),
        ResourceStatus: resourceStatus(r),
        ResourceStatusReason: r.note,
      })),
    };
  }

  private describeStackResources(
    region: string,
    stackName: string | undefined,
    logicalId: string | undefined,
    physicalId: string | undefined,
  ): Record<string, unknown> {
    let stack: StackRecord | undefined;
    if (stackName) {
      stack = this.stack(region, stackName);
    } else if (physicalId) {
      stack = this.model
        .listStacks(region)
        .find((s) => s.resources.some((r) => r.physicalId === physicalId));
      if (!stack) {
        throw new AwsError('ValidationError', `Stack for ${physicalId} does not exist`);
      }
    } else {
      throw new AwsError(
        'ValidationError',
        'Either StackName or PhysicalResourceId must be specified.',
      );
    }
    const found = stack;
    const resources = found.resources.filter(
      (r) =>
        (logicalId === undefined || r.logicalId === logicalId) &&
        (physicalId === undefined || r.physicalId === physicalId),
    );
    return {
      StackResources: resources.map((r) => ({
        StackName: found.stackName,
        StackId: found.stackId,
        LogicalResourceId: r.logicalId,
        PhysicalResourceId: r.physicalId,
        ResourceType: r.type,
        Timestamp: new Date(r.timestamp),
        ResourceStatus: resourceStatus(r),
        ResourceStatusReason: r.note,
      })),
    };
  }
}

function resourceStatus(r: StackResourceRecord): string {
  return r.status === 'UPDATED' ? 'UPDATE_COMPLETE' : 'CREATE_COMPLETE';
}

function required(v: string | undefined, name: string): string {
  if (v === undefined) {
    throw new AwsError('ValidationError', `1 validation error detected: ${name} must not be null`);
  }
  return v;
}
