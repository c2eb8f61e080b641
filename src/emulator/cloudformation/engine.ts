import { errorMessage } from '../../aws/errors.js';
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { ObjectReader } from '../contracts.js';
import { AwsError } from '../protocol/errors.js';
import { applyResource, type ApplyCache, type ApplyClients } from './apply.js';
import { diffTemplates } from './changes.js';
import { deleteResource } from './deletes.js';
import type {
  ChangeSetRecord,
  CloudFormationModel,
  StackOutput,
  StackRecord,
  StackResourceRecord,
  StackStatus,
} from './model.js';
import {
  checkName,
  parse,
  readTemplateBody,
  requiredCapabilities,
  STACK_TYPE,
  stackEvent,
  stackOutputs,
} from './stack-rules.js';
import {
  dependencyOrder,
  evaluateConditions,
  isIncluded,
  resolveParameters,
  resolveValue,
  type JsonObject,
  type ResolveContext,
  type ResolvedResource,
  type Template,
} from './template.js';

export interface StackEngineOptions {
  model: CloudFormationModel;
  accountId: string;
  /** SDK clients of the emulator's own services in a region: the engine is their client. */
  clients: (region: string) => ApplyClients;
  /** Where `TemplateURL` objects are read from (the S3 model). */
  objects: ObjectReader;
}

export interface StackInput {
  region: string;
  stackName: string;
  templateBody?: string | undefined;
  templateUrl?: string | undefined;
  usePreviousTemplate?: boolean | undefined;
  parameters?: Array<{ key: string; value?: string | undefined; usePrevious?: boolean }>;
  capabilities?: string[];
  tags?: Array<{ key: string; value: string }>;
}

export interface ChangeSetInput extends StackInput {
  changeSetName: string;
  changeSetType?: 'CREATE' | 'UPDATE' | undefined;
  description?: string | undefined;
}

const NO_CHANGES =
  "The submitted information didn't contain changes. Submit different information to create a change set.";

/**
 * CloudFormation's stack operations: create, update (directly or through a change set) and delete,
 * run in the background as on AWS, with the stack and resource statuses and events CloudFormation
 * reports. An update applies only the resources whose resolved properties changed, replaces those
 * whose physical name changed (deleting the old one in the cleanup phase) and deletes removed ones;
 * a failure rolls back what the operation created.
 */
export class StackEngine {
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly opts: StackEngineOptions) {}

  /** Resolves once every operation started so far has finished (tests, `deployPackage`). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  validateTemplate(input: Pick<StackInput, 'templateBody' | 'templateUrl'>): {
    template: Template;
    body: string;
    capabilities: string[];
  } {
    const body = readTemplateBody(input, this.opts.objects);
    const template = parse(body);
    return { template, body, capabilities: requiredCapabilities(template) };
  }

  createStack(input: StackInput): StackRecord {
    checkName(input.stackName);
    const existing = this.opts.model.getStack(input.region, input.stackName);
    if (existing) {
      throw new AwsError('AlreadyExistsException', `Stack [${input.stackName}] already exists`);
    }
    const { template, body } = this.checked(input, undefined);
    const stack = this.newStack(input);
    this.begin(stack, 'CREATE', () => this.deploy(stack, template, body, input, 'CREATE'));
    return stack;
  }

  updateStack(input: StackInput): StackRecord {
    const stack = this.liveStack(input.region, input.stackName);
    this.checkIdle(stack, 'updated');
    const { template, body, parameters } = this.checked(input, stack);
    if (body === stack.templateBody && isDeepStrictEqual(parameters, stack.parameters)) {
      throw new AwsError('ValidationError', 'No updates are to be performed.');
    }
    this.begin(stack, 'UPDATE', () => this.deploy(stack, template, body, input, 'UPDATE'));
    return stack;
  }

  deleteStack(region: string, nameOrId: string): void {
    const stack = this.opts.model.getStack(region, nameOrId);
    // Deleting a stack that does not exist (or is already deleted) succeeds silently on AWS.
    if (!stack || stack.status === 'DELETE_IN_PROGRESS') return;
    this.checkIdle(stack, 'deleted');
    this.begin(stack, 'DELETE', () => this.delete(stack));
  }

  createChangeSet(input: ChangeSetInput): { stack: StackRecord; changeSet: ChangeSetRecord } {
    checkName(input.stackName);
    const type = input.changeSetType ?? 'UPDATE';
    let stack = this.opts.model.getStack(input.region, input.stackName);
    if (type === 'CREATE' && stack && stack.status !== 'REVIEW_IN_PROGRESS') {
      throw new AwsError('AlreadyExistsException', `Stack [${input.stackName}] already exists`);
    }
    if (type === 'UPDATE') {
      if (!stack || stack.status === 'REVIEW_IN_PROGRESS') {
        throw new AwsError('ValidationError', `Stack [${input.stackName}] does not exist`);
      }
      this.checkIdle(stack, 'updated');
    }
    if (stack?.changeSets?.has(input.changeSetName)) {
      throw new AwsError(
        'AlreadyExistsException',
        `ChangeSet [${input.changeSetName}] already exists`,
      );
    }
    const { template, body, parameters } = this.checked(
      input,
      type === 'UPDATE' ? stack : undefined,
    );
    if (!stack) {
      stack = this.newStack(input, 'REVIEW_IN_PROGRESS');
      this.event(stack, stackEvent(stack, 'REVIEW_IN_PROGRESS', 'User Initiated'));
    }
    const previous = stack.templateBody === undefined ? undefined : parse(stack.templateBody);
    const physicalIds = Object.fromEntries(stack.resources.map((r) => [r.logicalId, r.physicalId]));
    const changes = diffTemplates(previous, template, physicalIds);
    const unchanged =
      type === 'UPDATE' && changes.length === 0 && isDeepStrictEqual(parameters, stack.parameters);
    const changeSet: ChangeSetRecord = {
      name: input.changeSetName,
      id: `arn:aws:cloudformation:${input.region}:${this.opts.accountId}:changeSet/${input.changeSetName}/${randomUUID()}`,
      type,
      status: unchanged ? 'FAILED' : 'CREATE_COMPLETE',
      executionStatus: unchanged ? 'UNAVAILABLE' : 'AVAILABLE',
      ...(unchanged ? { statusReason: NO_CHANGES } : {}),
      creationTime: this.opts.model.now(),
      ...(input.description !== undefined ? { description: input.description } : {}),
      templateBody: body,
      parameters,
      capabilities: input.capabilities ?? [],
      tags: input.tags ?? [],
      changes,
    };
    stack.changeSets ??= new Map();
    stack.changeSets.set(changeSet.name, changeSet);
    return { stack, changeSet };
  }

  /** A change set by name (with its stack) or by ARN. */
  changeSet(
    region: string,
    nameOrArn: string,
    stackName: string | undefined,
  ): { stack: StackRecord; changeSet: ChangeSetRecord } {
    const candidates = stackName
      ? [this.opts.model.findStack(region, stackName)].filter((s) => s !== undefined)
      : this.opts.model.listStacks(region);
    if (stackName && candidates.length === 0) {
      throw new AwsError('ValidationError', `Stack [${stackName}] does not exist`);
    }
    for (const stack of candidates) {
      for (const cs of stack.changeSets?.values() ?? []) {
        if (cs.name === nameOrArn || cs.id === nameOrArn) return { stack, changeSet: cs };
      }
    }
    throw new AwsError('ChangeSetNotFound', `ChangeSet [${nameOrArn}] does not exist`, 404);
  }

  executeChangeSet(region: string, nameOrArn: string, stackName: string | undefined): void {
    const { stack, changeSet } = this.changeSet(region, nameOrArn, stackName);
    if (changeSet.executionStatus !== 'AVAILABLE') {
      throw new AwsError(
        'InvalidChangeSetStatus',
        `ChangeSet [${changeSet.id}] cannot be executed in its current status of [${changeSet.status}]`,
      );
    }
    this.checkIdle(stack, 'updated');
    // Executing one change set makes the stack's other change sets obsolete; AWS deletes them.
    stack.changeSets = new Map([[changeSet.name, changeSet]]);
    changeSet.executionStatus = 'EXECUTE_IN_PROGRESS';
    const template = parse(changeSet.templateBody);
    const input: StackInput = {
      region,
      stackName: stack.stackName,
      templateBody: changeSet.templateBody,
      parameters: Object.entries(changeSet.parameters).map(([key, value]) => ({ key, value })),
      capabilities: changeSet.capabilities,
      tags: changeSet.tags,
    };
    this.begin(stack, changeSet.type, async () => {
      await this.deploy(stack, template, changeSet.templateBody, input, changeSet.type);
      changeSet.executionStatus = 'EXECUTE_COMPLETE';
    });
  }

  deleteChangeSet(region: string, nameOrArn: string, stackName: string | undefined): void {
    if (stackName && !this.opts.model.findStack(region, stackName)) {
      throw new AwsError('ValidationError', `Stack [${stackName}] does not exist`);
    }
    let found: { stack: StackRecord; changeSet: ChangeSetRecord };
    try {
      found = this.changeSet(region, nameOrArn, stackName);
    } catch (err) {
      // Deleting a change set that is not there succeeds, which tools rely on before creating one.
      if (err instanceof AwsError && err.code === 'ChangeSetNotFound') return;
      throw err;
    }
    if (found.changeSet.executionStatus === 'EXECUTE_IN_PROGRESS') {
      throw new AwsError(
        'InvalidChangeSetStatus',
        `ChangeSet [${found.changeSet.id}] cannot be deleted in its current status of [EXECUTE_IN_PROGRESS]`,
      );
    }
    found.stack.changeSets?.delete(found.changeSet.name);
    // A stack created only for a change set goes away with its last change set.
    if (found.stack.status === 'REVIEW_IN_PROGRESS' && found.stack.changeSets?.size === 0) {
      this.opts.model.retireStack(found.stack);
      found.stack.status = 'DELETE_COMPLETE';
    }
  }

  // -------------------------------------------------------------------------------------------

  /** Template and parameters, validated as CloudFormation does before it accepts an operation. */
  private checked(
    input: StackInput,
    previous: StackRecord | undefined,
  ): { template: Template; body: string; parameters: Record<string, string> } {
    const body =
      input.usePreviousTemplate && previous?.templateBody !== undefined
        ? previous.templateBody
        : readTemplateBody(input, this.opts.objects);
    const template = parse(body);
    const missing = requiredCapabilities(template).filter(
      (c) => !(input.capabilities ?? []).includes(c),
    );
    if (missing.length > 0) {
      throw new AwsError(
        'InsufficientCapabilitiesException',
        `Requires capabilities : [${missing.join(',')}]`,
      );
    }
    const given: Record<string, string> = {};
    for (const p of input.parameters ?? []) {
      const value = p.usePrevious ? previous?.parameters[p.key] : p.value;
      if (value !== undefined) given[p.key] = value;
    }
    let parameters: Record<string, string>;
    try {
      parameters = resolveParameters(template, given);
    } catch (err) {
      throw new AwsError('ValidationError', errorMessage(err));
    }
    return { template, body, parameters };
  }

  private newStack(input: StackInput, status: StackStatus = 'CREATE_IN_PROGRESS'): StackRecord {
    const stack: StackRecord = {
      stackName: input.stackName,
      stackId: `arn:aws:cloudformation:${input.region}:${this.opts.accountId}:stack/${input.stackName}/${randomUUID()}`,
      region: input.region,
      status,
      creationTime: this.opts.model.now(),
      parameters: {},
      outputs: [],
      resources: [],
      capabilities: input.capabilities ?? [],
      tags: input.tags ?? [],
      events: [],
    };
    this.opts.model.putStack(stack);
    return stack;
  }

  private liveStack(region: string, nameOrId: string): StackRecord {
    const stack = this.opts.model.getStack(region, nameOrId);
    if (!stack || stack.status === 'REVIEW_IN_PROGRESS') {
      throw new AwsError('ValidationError', `Stack [${nameOrId}] does not exist`);
    }
    return stack;
  }

  private checkIdle(stack: StackRecord, what: string): void {
    if (stack.status.endsWith('_IN_PROGRESS') && stack.status !== 'REVIEW_IN_PROGRESS') {
      throw new AwsError(
        'ValidationError',
        `Stack:${stack.stackId} is in ${stack.status} state and can not be ${what}.`,
      );
    }
  }

  private begin(
    stack: StackRecord,
    kind: 'CREATE' | 'UPDATE' | 'DELETE',
    run: () => Promise<void>,
  ) {
    this.setStatus(stack, `${kind}_IN_PROGRESS`, 'User Initiated');
    const op = run()
      .catch((err: unknown) => {
        // The operation reports its own failures; reaching here is an emulator bug. Keep serving.
        this.setStatus(
          stack,
          kind === 'DELETE'
            ? 'DELETE_FAILED'
            : kind === 'CREATE'
              ? 'ROLLBACK_COMPLETE'
              : 'UPDATE_ROLLBACK_COMPLETE',
          `internal error in the emulator: ${errorMessage(err)}`,
        );
      })
      .finally(() => this.running.delete(stack.stackId));
    this.running.set(stack.stackId, op);
  }

  private setStatus(stack: StackRecord, status: StackStatus, reason?: string): void {
    stack.status = status;
    if (reason !== undefined) stack.statusReason = reason;
    else delete stack.statusReason;
    this.event(stack, stackEvent(stack, status, reason));
  }

  private event(
    stack: StackRecord,
    e: { logicalId: string; physicalId: string; type: string; status: string; reason?: string },
  ): void {
    stack.events ??= [];
    stack.events.unshift({
      eventId: e.type === STACK_TYPE ? randomUUID() : `${e.logicalId}-${e.status}-${randomUUID()}`,
      timestamp: this.opts.model.now(),
      ...e,
    });
  }

  private async deploy(
    stack: StackRecord,
    template: Template,
    body: string,
    input: StackInput,
    kind: 'CREATE' | 'UPDATE',
  ): Promise<void> {
    const { model, accountId } = this.opts;
    const clients = this.opts.clients(stack.region);
    const parameters = this.checked({ ...input, templateBody: body }, stack).parameters;
    const base = {
      region: stack.region,
      accountId,
      stackName: stack.stackName,
      stackId: stack.stackId,
      partition: 'aws',
      urlSuffix: 'amazonaws.com',
      parameters,
    };
    const ctx: ResolveContext = {
      ...base,
      conditions: {},
      resources: new Map<string, ResolvedResource>(),
      imports: model.exports(stack.region),
    };
    const previous = new Map(stack.resources.map((r) => [r.logicalId, r]));
    const next: StackResourceRecord[] = [];
    const created: StackResourceRecord[] = [];
    const replaced: StackResourceRecord[] = [];
    const cache: ApplyCache = {};
    const applyOpts = {
      stackName: stack.stackName,
      template,
      region: stack.region,
      accountId,
      artifactDir: '',
      clients,
    };
    let current: { logicalId: string; type: string; verb: string } | undefined;
    let outputs: StackOutput[];
    try {
      ctx.conditions = evaluateConditions(template, base);
      for (const logicalId of dependencyOrder(template)) {
        const res = template.Resources[logicalId]!;
        if (!isIncluded(res.Condition, ctx.conditions, `resource ${logicalId}`)) continue;
        const where = `resource ${logicalId} (${res.Type})`;
        const props = resolveValue(res.Properties ?? {}, ctx, where) as JsonObject;
        const prev = previous.get(logicalId);
        const sameType = prev?.type === res.Type;
        if (sameType && prev?.ref !== undefined && isDeepStrictEqual(prev.properties, props)) {
          ctx.resources.set(logicalId, {
            type: res.Type,
            ref: prev.ref,
            attributes: prev.attributes ?? {},
          });
          next.push(prev);
          continue;
        }
        const verb = sameType ? 'UPDATE' : 'CREATE';
        current = { logicalId, type: res.Type, verb };
        this.event(stack, {
          logicalId,
          physicalId: sameType ? prev!.physicalId : '',
          type: res.Type,
          status: `${verb}_IN_PROGRESS`,
        });
        const outcome = await applyResource(res.Type, {
          logicalId,
          props,
          opts: applyOpts,
          ctx,
          cache,
          ...(sameType ? { previousPhysicalId: prev!.physicalId } : {}),
        });
        if (verb === 'UPDATE' && prev!.physicalId !== outcome.physicalId) {
          this.event(stack, {
            logicalId,
            physicalId: outcome.physicalId,
            type: res.Type,
            status: 'UPDATE_IN_PROGRESS',
            reason:
              'Requested update requires the creation of a new physical resource; hence creating one.',
          });
        }
        if (verb === 'CREATE') {
          this.event(stack, {
            logicalId,
            physicalId: outcome.physicalId,
            type: res.Type,
            status: 'CREATE_IN_PROGRESS',
            reason: 'Resource creation Initiated',
          });
        }
        const record: StackResourceRecord = {
          logicalId,
          type: res.Type,
          physicalId: outcome.physicalId,
          status: outcome.status,
          timestamp: model.now(),
          resourceStatus: `${verb}_COMPLETE`,
          ref: outcome.ref,
          attributes: outcome.attributes,
          properties: props,
          ...(outcome.note !== undefined ? { note: outcome.note } : {}),
        };
        this.event(stack, {
          logicalId,
          physicalId: record.physicalId,
          type: res.Type,
          status: record.resourceStatus!,
        });
        if (prev && (!sameType || prev.physicalId !== outcome.physicalId)) replaced.push(prev);
        if (!prev || !sameType || prev.physicalId !== outcome.physicalId) created.push(record);
        ctx.resources.set(logicalId, {
          type: res.Type,
          ref: outcome.ref,
          attributes: outcome.attributes,
        });
        next.push(record);
      }
      current = undefined;
      outputs = stackOutputs(template, ctx);
      model.checkExports(
        stack.region,
        stack.stackName,
        outputs.flatMap((o) => (o.exportName ? [o.exportName] : [])),
      );
    } catch (err) {
      const reason = err instanceof AwsError || err instanceof Error ? err.message : String(err);
      if (current) {
        this.event(stack, {
          logicalId: current.logicalId,
          physicalId: '',
          type: current.type,
          status: `${current.verb}_FAILED`,
          reason,
        });
      }
      const failed = current
        ? `The following resource(s) failed to ${current.verb.toLowerCase()}: [${current.logicalId}]. `
        : reason;
      await this.rollback(stack, kind, created, failed);
      return;
    }

    const oldTemplate = stack.templateBody === undefined ? undefined : parse(stack.templateBody);
    Object.assign(stack, {
      resources: next,
      outputs,
      parameters,
      templateBody: body,
      capabilities: input.capabilities ?? stack.capabilities ?? [],
      tags: input.tags ?? stack.tags ?? [],
    });
    if (template.Description !== undefined) stack.description = template.Description;
    else delete stack.description;
    if (kind === 'UPDATE') {
      stack.lastUpdatedTime = model.now();
      const kept = new Set(next.map((r) => r.logicalId));
      const obsolete = [
        ...replaced,
        ...[...previous.values()].filter((r) => !kept.has(r.logicalId)),
      ];
      if (obsolete.length > 0) {
        this.setStatus(stack, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
        // Cleanup failures do not fail an update on AWS either; the resource is left behind.
        await this.deleteAll(stack, obsolete.reverse(), oldTemplate, clients);
      }
    }
    this.setStatus(stack, kind === 'CREATE' ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE');
  }

  private async rollback(
    stack: StackRecord,
    kind: 'CREATE' | 'UPDATE',
    created: StackResourceRecord[],
    reason: string,
  ): Promise<void> {
    const clients = this.opts.clients(stack.region);
    if (kind === 'CREATE') {
      this.setStatus(stack, 'ROLLBACK_IN_PROGRESS', `${reason}Rollback requested by user.`);
      await this.deleteAll(stack, [...created].reverse(), undefined, clients);
      stack.resources = [];
      this.setStatus(stack, 'ROLLBACK_COMPLETE');
      return;
    }
    // Resources the update created go; modified ones keep their new settings (the emulator does
    // not re-apply the previous properties), which the status reason says.
    this.setStatus(stack, 'UPDATE_ROLLBACK_IN_PROGRESS', reason);
    const previousIds = new Set(stack.resources.map((r) => r.physicalId));
    await this.deleteAll(
      stack,
      created.filter((r) => !previousIds.has(r.physicalId)).reverse(),
      undefined,
      clients,
    );
    this.setStatus(stack, 'UPDATE_ROLLBACK_COMPLETE');
  }

  private async delete(stack: StackRecord): Promise<void> {
    const clients = this.opts.clients(stack.region);
    const template = stack.templateBody === undefined ? undefined : parse(stack.templateBody);
    const failed = await this.deleteAll(stack, [...stack.resources].reverse(), template, clients);
    if (failed.length > 0) {
      stack.resources = stack.resources.filter((r) => failed.includes(r.logicalId));
      this.setStatus(
        stack,
        'DELETE_FAILED',
        `The following resource(s) failed to delete: [${failed.join(', ')}]. `,
      );
      return;
    }
    stack.resources = [];
    stack.deletionTime = this.opts.model.now();
    this.setStatus(stack, 'DELETE_COMPLETE');
    this.opts.model.retireStack(stack);
  }

  /** Deletes resources in the given order; returns the logical ids that failed. */
  private async deleteAll(
    stack: StackRecord,
    resources: StackResourceRecord[],
    template: Template | undefined,
    clients: ApplyClients,
  ): Promise<string[]> {
    const failed: string[] = [];
    for (const r of resources) {
      const base = { logicalId: r.logicalId, physicalId: r.physicalId, type: r.type };
      if (template?.Resources[r.logicalId]?.DeletionPolicy === 'Retain') {
        this.event(stack, { ...base, status: 'DELETE_SKIPPED' });
        continue;
      }
      this.event(stack, { ...base, status: 'DELETE_IN_PROGRESS' });
      try {
        await deleteResource(r.type, r.physicalId, clients);
        this.event(stack, { ...base, status: 'DELETE_COMPLETE' });
      } catch (err) {
        failed.push(r.logicalId);
        const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        r.resourceStatus = 'DELETE_FAILED';
        this.event(stack, { ...base, status: 'DELETE_FAILED', reason: message });
      }
    }
    return failed;
  }
}
