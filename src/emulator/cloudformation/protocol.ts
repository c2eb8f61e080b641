import { AwsError } from '../protocol/errors.js';
import {
  decodeQuery,
  queryErrorResponse,
  queryParams,
  xmlResponse,
  type QueryValue,
} from '../protocol/query.js';
import type { AwsRequest, AwsResponse, ServiceEndpoint } from '../protocol/types.js';
import type { ChangeSetInput, StackEngine, StackInput } from './engine.js';
import type { Template } from './template.js';
import type {
  ChangeSetRecord,
  CloudFormationModel,
  StackRecord,
  StackResourceRecord,
} from './model.js';

const XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
const VERSION = '2010-05-15';

type Input = Record<string, QueryValue>;
type Action = (req: AwsRequest, input: Input) => Record<string, unknown> | undefined;

/**
 * CloudFormation over the Query protocol (what SDK v2/v3 and the AWS CLI speak): stacks, change
 * sets, events and resources. The read side works from the model alone; operations that change
 * stacks need the engine, which runs them in the background.
 */
export class CloudFormationEndpoint implements ServiceEndpoint {
  readonly name = 'cloudformation';
  private readonly actions: Record<string, Action>;

  constructor(
    private readonly model: CloudFormationModel,
    private readonly engine?: StackEngine,
  ) {
    this.actions = {
      DescribeStacks: (r, i) => this.describeStacks(r.region, str(i, 'StackName')),
      ListStacks: (r, i) => this.listStacks(r.region, i),
      ListExports: (r) => this.listExports(r.region),
      ListStackResources: (r, i) => this.listStackResources(r.region, req(i, 'StackName')),
      DescribeStackResources: (r, i) =>
        this.describeStackResources(
          r.region,
          str(i, 'StackName'),
          str(i, 'LogicalResourceId'),
          str(i, 'PhysicalResourceId'),
        ),
      DescribeStackResource: (r, i) =>
        this.describeStackResource(r.region, req(i, 'StackName'), req(i, 'LogicalResourceId')),
      DescribeStackEvents: (r, i) => this.describeStackEvents(r.region, req(i, 'StackName')),
      GetTemplate: (r, i) => this.getTemplate(r.region, i),
      ValidateTemplate: (_r, i) => this.validateTemplate(i),
      GetTemplateSummary: (r, i) => this.getTemplateSummary(r.region, i),
      CreateStack: (r, i) => ({ StackId: this.write().createStack(stackInput(r, i)).stackId }),
      UpdateStack: (r, i) => ({ StackId: this.write().updateStack(stackInput(r, i)).stackId }),
      DeleteStack: (r, i) => {
        this.write().deleteStack(r.region, req(i, 'StackName'));
        return undefined;
      },
      CreateChangeSet: (r, i) => {
        const { stack, changeSet } = this.write().createChangeSet(changeSetInput(r, i));
        return { Id: changeSet.id, StackId: stack.stackId };
      },
      DescribeChangeSet: (r, i) => {
        const { stack, changeSet } = this.write().changeSet(
          r.region,
          req(i, 'ChangeSetName'),
          str(i, 'StackName'),
        );
        return describeChangeSet(stack, changeSet);
      },
      ExecuteChangeSet: (r, i) => {
        this.write().executeChangeSet(r.region, req(i, 'ChangeSetName'), str(i, 'StackName'));
        return {};
      },
      DeleteChangeSet: (r, i) => {
        this.write().deleteChangeSet(r.region, req(i, 'ChangeSetName'), str(i, 'StackName'));
        return {};
      },
      ListChangeSets: (r, i) => this.listChangeSets(r.region, req(i, 'StackName')),
    };
  }

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
      const handler = Object.hasOwn(this.actions, action) ? this.actions[action] : undefined;
      if (!handler) {
        throw new AwsError(
          'InvalidAction',
          `The embedded emulator does not implement CloudFormation ${action || '(no Action)'}; it implements ${Object.keys(this.actions).join(', ')}`,
        );
      }
      return xmlResponse(action, handler(req, decodeQuery(params)), req.requestId, XMLNS);
    } catch (err) {
      return queryErrorResponse(err, req.requestId, XMLNS);
    }
  }

  private write(): StackEngine {
    if (!this.engine) {
      throw new AwsError('InvalidAction', 'This CloudFormation endpoint only reads stacks');
    }
    return this.engine;
  }

  private stack(region: string, name: string): StackRecord {
    const stack = this.model.findStack(region, name);
    if (!stack) throw new AwsError('ValidationError', `Stack with id ${name} does not exist`);
    return stack;
  }

  private describeStacks(region: string, name: string | undefined): Record<string, unknown> {
    // By name only live stacks are found; a deleted one is still described by its id.
    const stacks = name ? [this.stack(region, name)] : this.model.listStacks(region);
    return {
      Stacks: stacks.map((s) => ({
        StackId: s.stackId,
        StackName: s.stackName,
        ChangeSetId: [...(s.changeSets?.values() ?? [])].find(
          (c) => c.executionStatus === 'EXECUTE_COMPLETE',
        )?.id,
        Description: s.description,
        Parameters: Object.entries(s.parameters).map(([k, v]) => ({
          ParameterKey: k,
          ParameterValue: v,
        })),
        CreationTime: new Date(s.creationTime),
        DeletionTime: s.deletionTime === undefined ? undefined : new Date(s.deletionTime),
        LastUpdatedTime: s.lastUpdatedTime === undefined ? undefined : new Date(s.lastUpdatedTime),
        RollbackConfiguration: {},
        StackStatus: s.status,
        StackStatusReason: s.statusReason,
        DisableRollback: false,
        NotificationARNs: [],
        Capabilities: s.capabilities ?? [],
        Outputs: s.outputs.map((o) => ({
          OutputKey: o.key,
          OutputValue: o.value,
          Description: o.description,
          ExportName: o.exportName,
        })),
        Tags: (s.tags ?? []).map((t) => ({ Key: t.key, Value: t.value })),
        EnableTerminationProtection: false,
        DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
      })),
    };
  }

  private listStacks(region: string, input: Input): Record<string, unknown> {
    const filter = list(input.StackStatusFilter);
    const stacks = [...this.model.listStacks(region), ...this.model.deletedStacks(region)].filter(
      (s) => filter.length === 0 || filter.includes(s.status),
    );
    return {
      StackSummaries: stacks.map((s) => ({
        StackId: s.stackId,
        StackName: s.stackName,
        TemplateDescription: s.description,
        CreationTime: new Date(s.creationTime),
        LastUpdatedTime: s.lastUpdatedTime === undefined ? undefined : new Date(s.lastUpdatedTime),
        DeletionTime: s.deletionTime === undefined ? undefined : new Date(s.deletionTime),
        StackStatus: s.status,
        StackStatusReason: s.statusReason,
        DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
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
        DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
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
        DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
      })),
    };
  }

  private describeStackResource(
    region: string,
    stackName: string,
    logicalId: string,
  ): Record<string, unknown> {
    const stack = this.stack(region, stackName);
    const r = stack.resources.find((x) => x.logicalId === logicalId);
    if (!r) {
      throw new AwsError(
        'ValidationError',
        `Resource ${logicalId} does not exist for stack ${stack.stackName}`,
      );
    }
    return {
      StackResourceDetail: {
        StackName: stack.stackName,
        StackId: stack.stackId,
        LogicalResourceId: r.logicalId,
        PhysicalResourceId: r.physicalId,
        ResourceType: r.type,
        LastUpdatedTimestamp: new Date(r.timestamp),
        ResourceStatus: resourceStatus(r),
        ResourceStatusReason: r.note,
        Metadata: '{}',
        DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
      },
    };
  }

  private describeStackEvents(region: string, name: string): Record<string, unknown> {
    const stack = this.stack(region, name);
    return {
      StackEvents: (stack.events ?? []).map((e) => ({
        StackId: stack.stackId,
        EventId: e.eventId,
        StackName: stack.stackName,
        LogicalResourceId: e.logicalId,
        PhysicalResourceId: e.physicalId,
        ResourceType: e.type,
        Timestamp: new Date(e.timestamp),
        ResourceStatus: e.status,
        ResourceStatusReason: e.reason,
      })),
    };
  }

  private getTemplate(region: string, input: Input): Record<string, unknown> {
    const changeSetName = str(input, 'ChangeSetName');
    let body: string | undefined;
    if (changeSetName) {
      body = this.write().changeSet(region, changeSetName, str(input, 'StackName')).changeSet
        .templateBody;
    } else {
      body = this.stack(region, req(input, 'StackName')).templateBody;
    }
    return {
      TemplateBody: body ?? '{}',
      StagesAvailable: ['Original', 'Processed'],
    };
  }

  private validateTemplate(input: Input): Record<string, unknown> {
    const { template, capabilities } = this.write().validateTemplate({
      templateBody: str(input, 'TemplateBody'),
      templateUrl: str(input, 'TemplateURL'),
    });
    return {
      Parameters: Object.entries(template.Parameters ?? {}).map(([key, p]) => ({
        ParameterKey: key,
        DefaultValue: p.Default === undefined ? undefined : String(p.Default),
        NoEcho: p.NoEcho === true || p.NoEcho === 'true',
        Description: p.Description,
      })),
      Description: template.Description,
      Capabilities: capabilities,
      CapabilitiesReason: capabilitiesReason(template, capabilities),
    };
  }

  /** What `aws cloudformation deploy` asks before it builds a change set. */
  private getTemplateSummary(region: string, input: Input): Record<string, unknown> {
    const stackName = str(input, 'StackName');
    const body = stackName
      ? this.stack(region, stackName).templateBody
      : str(input, 'TemplateBody');
    const { template, capabilities } = this.write().validateTemplate({
      templateBody: body,
      templateUrl: str(input, 'TemplateURL'),
    });
    return {
      Parameters: Object.entries(template.Parameters ?? {}).map(([key, p]) => ({
        ParameterKey: key,
        DefaultValue: p.Default === undefined ? undefined : String(p.Default),
        ParameterType: p.Type,
        NoEcho: p.NoEcho === true || p.NoEcho === 'true',
        Description: p.Description,
        ParameterConstraints: p.AllowedValues ? { AllowedValues: p.AllowedValues.map(String) } : {},
      })),
      Description: template.Description,
      Capabilities: capabilities,
      CapabilitiesReason: capabilitiesReason(template, capabilities),
      ResourceTypes: [...new Set(Object.values(template.Resources).map((r) => r.Type))],
      Version: template.AWSTemplateFormatVersion ?? '2010-09-09',
      DeclaredTransforms: [],
    };
  }

  private listChangeSets(region: string, name: string): Record<string, unknown> {
    const stack = this.stack(region, name);
    return {
      Summaries: [...(stack.changeSets?.values() ?? [])].map((c) => ({
        StackId: stack.stackId,
        StackName: stack.stackName,
        ChangeSetId: c.id,
        ChangeSetName: c.name,
        ExecutionStatus: c.executionStatus,
        Status: c.status,
        StatusReason: c.statusReason,
        CreationTime: new Date(c.creationTime),
        Description: c.description,
      })),
    };
  }
}

function describeChangeSet(stack: StackRecord, c: ChangeSetRecord): Record<string, unknown> {
  return {
    ChangeSetName: c.name,
    ChangeSetId: c.id,
    StackId: stack.stackId,
    StackName: stack.stackName,
    Description: c.description,
    Parameters: Object.entries(c.parameters).map(([k, v]) => ({
      ParameterKey: k,
      ParameterValue: v,
    })),
    CreationTime: new Date(c.creationTime),
    ExecutionStatus: c.executionStatus,
    Status: c.status,
    StatusReason: c.statusReason,
    NotificationARNs: [],
    RollbackConfiguration: {},
    Capabilities: c.capabilities,
    Tags: c.tags.map((t) => ({ Key: t.key, Value: t.value })),
    Changes: c.changes.map((ch) => ({
      Type: 'Resource',
      ResourceChange: {
        Action: ch.action,
        LogicalResourceId: ch.logicalId,
        PhysicalResourceId: ch.physicalId,
        ResourceType: ch.type,
        Replacement: ch.replacement,
        Scope: ch.scope ?? [],
        Details: (ch.details ?? []).map((name) => ({
          Target: { Attribute: 'Properties', Name: name, RequiresRecreation: 'Never' },
          Evaluation: 'Static',
          ChangeSource: 'DirectModification',
        })),
      },
    })),
    IncludeNestedStacks: false,
  };
}

function stackInput(r: AwsRequest, i: Input): StackInput {
  return {
    region: r.region,
    stackName: req(i, 'StackName'),
    templateBody: str(i, 'TemplateBody'),
    templateUrl: str(i, 'TemplateURL'),
    usePreviousTemplate: str(i, 'UsePreviousTemplate') === 'true',
    parameters: list(i.Parameters).flatMap((p) =>
      typeof p === 'object' && !Array.isArray(p) && typeof p.ParameterKey === 'string'
        ? [
            {
              key: p.ParameterKey,
              value: typeof p.ParameterValue === 'string' ? p.ParameterValue : undefined,
              usePrevious: p.UsePreviousValue === 'true',
            },
          ]
        : [],
    ),
    capabilities: list(i.Capabilities).filter((c): c is string => typeof c === 'string'),
    tags: list(i.Tags).flatMap((t) =>
      typeof t === 'object' && !Array.isArray(t) && typeof t.Key === 'string'
        ? [{ key: t.Key, value: typeof t.Value === 'string' ? t.Value : '' }]
        : [],
    ),
  };
}

function changeSetInput(r: AwsRequest, i: Input): ChangeSetInput {
  const type = str(i, 'ChangeSetType');
  if (type !== undefined && type !== 'CREATE' && type !== 'UPDATE') {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '${type}' at 'changeSetType' failed to satisfy constraint: Member must satisfy enum value set: [IMPORT, UPDATE, CREATE]`,
    );
  }
  return {
    ...stackInput(r, i),
    changeSetName: req(i, 'ChangeSetName'),
    changeSetType: type,
    description: str(i, 'Description'),
  };
}

function capabilitiesReason(template: Template, capabilities: string[]): string | undefined {
  if (capabilities.length === 0) return undefined;
  const types = [
    ...new Set(
      Object.values(template.Resources)
        .map((r) => r.Type)
        .filter((t) => t.startsWith('AWS::IAM::')),
    ),
  ];
  return `The following resource(s) require capabilities: [${types.join(', ')}]`;
}

function resourceStatus(r: StackResourceRecord): string {
  return r.resourceStatus ?? (r.status === 'UPDATED' ? 'UPDATE_COMPLETE' : 'CREATE_COMPLETE');
}

function list(v: QueryValue | undefined): QueryValue[] {
  return Array.isArray(v) ? v : [];
}

function str(input: Input, name: string): string | undefined {
  const v = input[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function req(input: Input, name: string): string {
  const v = str(input, name);
  if (v === undefined) {
    throw new AwsError('ValidationError', `1 validation error detected: ${name} must not be null`);
  }
  return v;
}
