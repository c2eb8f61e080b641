import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AwsError } from '../protocol/errors.js';
import type { ResourceChange } from './changes.js';
import type { JsonObject } from './template.js';

export type StackStatus =
  | 'REVIEW_IN_PROGRESS'
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_COMPLETE'
  | 'CREATE_FAILED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_COMPLETE'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_COMPLETE'
  | 'UPDATE_ROLLBACK_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE'
  | 'DELETE_IN_PROGRESS'
  | 'DELETE_FAILED'
  | 'DELETE_COMPLETE';
export type ResourceApplyStatus = 'CREATED' | 'UPDATED' | 'NO_OP';

/** One line of DescribeStackEvents. */
export interface StackEvent {
  eventId: string;
  logicalId: string;
  physicalId: string;
  type: string;
  timestamp: number;
  status: string;
  reason?: string;
}

export interface ChangeSetRecord {
  name: string;
  id: string;
  type: 'CREATE' | 'UPDATE';
  status: 'CREATE_COMPLETE' | 'FAILED' | 'DELETE_COMPLETE';
  executionStatus: 'AVAILABLE' | 'UNAVAILABLE' | 'EXECUTE_IN_PROGRESS' | 'EXECUTE_COMPLETE';
  statusReason?: string;
  creationTime: number;
  description?: string;
  templateBody: string;
  parameters: Record<string, string>;
  capabilities: string[];
  tags: Array<{ key: string; value: string }>;
  changes: ResourceChange[];
}

export interface StackOutput {
  key: string;
  value: string;
  description?: string;
  exportName?: string;
}

export interface StackResourceRecord {
  logicalId: string;
  type: string;
  physicalId: string;
  status: ResourceApplyStatus;
  note?: string;
  /** Epoch milliseconds of the apply that last touched the resource. */
  timestamp: number;
  /** CloudFormation's status (`CREATE_COMPLETE`, `UPDATE_COMPLETE`...), once the engine set it. */
  resourceStatus?: string;
  /** What `Ref` and `Fn::GetAtt` give, for updates that keep the resource. */
  ref?: string;
  attributes?: Record<string, string>;
  /** The resolved properties it was last applied with, to tell unchanged resources. */
  properties?: JsonObject;
}

export interface StackRecord {
  stackName: string;
  stackId: string;
  region: string;
  description?: string;
  status: StackStatus;
  statusReason?: string;
  creationTime: number;
  lastUpdatedTime?: number;
  deletionTime?: number;
  parameters: Record<string, string>;
  outputs: StackOutput[];
  resources: StackResourceRecord[];
  /** The template as submitted (GetTemplate `Original`). */
  templateBody?: string;
  capabilities?: string[];
  tags?: Array<{ key: string; value: string }>;
  /** Newest first, as DescribeStackEvents lists them. */
  events?: StackEvent[];
  changeSets?: Map<string, ChangeSetRecord>;
}

export interface RecordStackInput {
  stackName: string;
  stackId: string;
  region: string;
  description?: string;
  parameters?: Record<string, string>;
  outputs: StackOutput[];
  resources: Array<Omit<StackResourceRecord, 'timestamp'>>;
}

export interface ExportRecord {
  name: string;
  value: string;
  stackName: string;
  stackId: string;
}

/**
 * The stacks the emulator has applied, per region, as DescribeStacks and ListExports report them.
 * Applying is done elsewhere (apply.ts); this only remembers the outcome.
 */
export class CloudFormationModel {
  private readonly stacks = new Map<string, Map<string, StackRecord>>();
  /** Deleted stacks stay visible by stack id, as on AWS. */
  private readonly deleted = new Map<string, StackRecord>();

  constructor(private readonly clock: Clock) {}

  /** Adds (or replaces) the live stack of that name. */
  putStack(stack: StackRecord): void {
    let stacks = this.stacks.get(stack.region);
    if (!stacks) {
      stacks = new Map();
      this.stacks.set(stack.region, stacks);
    }
    stacks.set(stack.stackName, stack);
  }

  /** Moves a stack to the deleted ones: its name is free again, its id still describes it. */
  retireStack(stack: StackRecord): void {
    this.stacks.get(stack.region)?.delete(stack.stackName);
    this.deleted.set(stack.stackId, stack);
  }

  /** A live stack by name or id, or a deleted one by id. */
  findStack(region: string, nameOrId: string): StackRecord | undefined {
    return this.getStack(region, nameOrId) ?? this.deleted.get(nameOrId);
  }

  deletedStacks(region: string): StackRecord[] {
    return [...this.deleted.values()].filter((s) => s.region === region);
  }

  now(): number {
    return this.clock.now();
  }

  /** The id a stack has or will get, so a template can `Ref: AWS::StackId` before it is recorded. */
  stackIdFor(region: string, accountId: string, stackName: string): string {
    return (
      this.getStack(region, stackName)?.stackId ??
      `arn:aws:cloudformation:${region}:${accountId}:stack/${stackName}/${randomUUID()}`
    );
  }

  getStack(region: string, stackNameOrId: string): StackRecord | undefined {
    const stacks = this.stacks.get(region);
    if (!stacks) return undefined;
    return (
      stacks.get(stackNameOrId) ?? [...stacks.values()].find((s) => s.stackId === stackNameOrId)
    );
  }

  listStacks(region: string): StackRecord[] {
    return [...(this.stacks.get(region)?.values() ?? [])];
  }

  listExports(region: string): ExportRecord[] {
    const out: ExportRecord[] = [];
    for (const stack of this.listStacks(region)) {
      if (stack.status === 'REVIEW_IN_PROGRESS' || stack.status === 'ROLLBACK_COMPLETE') continue;
      for (const o of stack.outputs) {
        if (o.exportName !== undefined) {
          out.push({
            name: o.exportName,
            value: o.value,
            stackName: stack.stackName,
            stackId: stack.stackId,
          });
        }
      }
    }
    return out;
  }

  /** Export name -> value, for `Fn::ImportValue`. */
  exports(region: string): Record<string, string> {
    return Object.fromEntries(this.listExports(region).map((e) => [e.name, e.value]));
  }

  /** Fails as CloudFormation does when another stack already exports one of the names. */
  checkExports(region: string, stackName: string, exportNames: string[]): void {
    const owners = new Map(this.listExports(region).map((e) => [e.name, e.stackName]));
    for (const name of exportNames) {
      const owner = owners.get(name);
      if (owner !== undefined && owner !== stackName) {
        throw new AwsError(
          'ValidationError',
          `Export with name ${name} is already exported by stack ${owner}`,
        );
      }
    }
  }

  recordStack(input: RecordStackInput): StackRecord {
    this.checkExports(
      input.region,
      input.stackName,
      input.outputs.flatMap((o) => (o.exportName === undefined ? [] : [o.exportName])),
    );
    let stacks = this.stacks.get(input.region);
    if (!stacks) {
      stacks = new Map();
      this.stacks.set(input.region, stacks);
    }
    const now = this.clock.now();
    const previous = stacks.get(input.stackName);
    const record: StackRecord = {
      stackName: input.stackName,
      stackId: previous?.stackId ?? input.stackId,
      region: input.region,
      status: previous ? 'UPDATE_COMPLETE' : 'CREATE_COMPLETE',
      creationTime: previous?.creationTime ?? now,
      parameters: { ...(input.parameters ?? {}) },
      outputs: input.outputs.map((o) => ({ ...o })),
      resources: input.resources.map((r) => ({ ...r, timestamp: now })),
    };
    if (previous) record.lastUpdatedTime = now;
    if (input.description !== undefined) record.description = input.description;
    stacks.set(input.stackName, record);
    return record;
  }
}
