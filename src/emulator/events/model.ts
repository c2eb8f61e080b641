import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../clock.js';
import type { LambdaInvoker, NotificationPublisher, QueueSender } from '../contracts.js';
import { AwsError } from '../protocol/errors.js';
import { parseSchedule, type Schedule } from './schedule.js';

export interface EventsModelOptions {
  clock: Clock;
  region: string;
  accountId: string;
  /** Targets are named by ARN and may be in another region. */
  lambda: LambdaInvoker;
  queues?: QueueSender;
  publisher?: NotificationPublisher;
}

export interface Target {
  Id: string;
  Arn: string;
  Input?: string;
  InputPath?: string;
  RoleArn?: string;
}

export interface RuleDescription {
  Name: string;
  Arn: string;
  State: string;
  EventBusName: string;
  CreatedBy: string;
  ScheduleExpression?: string;
  EventPattern?: string;
  Description?: string;
  RoleArn?: string;
}

export interface PutRuleInput {
  Name: string;
  ScheduleExpression?: string | undefined;
  EventPattern?: string | undefined;
  State?: string | undefined;
  Description?: string | undefined;
  RoleArn?: string | undefined;
  EventBusName?: string | undefined;
}

interface Rule {
  description: RuleDescription;
  targets: Map<string, Target>;
  schedule?: Schedule;
  timer?: TimerHandle;
  /** Scheduled runs so far (each delivers to every target). */
  firings: number;
}

const NAME_RE = /^[.\-_A-Za-z0-9]{1,64}$/;
const STATES = ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'];
const MAX_TARGETS = 5;

const validationError = (message: string) => new AwsError('ValidationException', message);

/**
 * EventBridge rules on the default bus for one region. Schedule rules fire on the emulator's clock
 * (so virtual time drives them in tests and simulations) and invoke their targets asynchronously
 * with the event AWS sends for a schedule. Event-pattern rules are stored but never matched: no
 * emulated service emits events.
 */
export class EventsModel {
  private readonly rules = new Map<string, Rule>();

  constructor(private readonly opts: EventsModelOptions) {}

  ruleArn(name: string): string {
    return `arn:aws:events:${this.opts.region}:${this.opts.accountId}:rule/${name}`;
  }

  putRule(input: PutRuleInput): { RuleArn: string } {
    checkBus(input.EventBusName);
    checkName(input.Name);
    if (input.ScheduleExpression === undefined && input.EventPattern === undefined) {
      throw validationError('Parameter(s) ScheduleExpression or EventPattern must be specified.');
    }
    const state = input.State ?? 'ENABLED';
    if (!STATES.includes(state)) {
      throw validationError(
        `1 validation error detected: Value '${state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [${STATES.join(', ')}]`,
      );
    }
    let schedule: Schedule | undefined;
    if (input.ScheduleExpression !== undefined) {
      schedule = parseSchedule(input.ScheduleExpression, this.opts.clock.now());
      if (!schedule) throw validationError('Parameter ScheduleExpression is not valid.');
    }
    if (input.EventPattern !== undefined) checkPattern(input.EventPattern);
    const existing = this.rules.get(input.Name);
    const description: RuleDescription = {
      Name: input.Name,
      Arn: this.ruleArn(input.Name),
      State: state,
      EventBusName: 'default',
      CreatedBy: this.opts.accountId,
    };
    if (input.ScheduleExpression !== undefined)
      description.ScheduleExpression = input.ScheduleExpression;
    if (input.EventPattern !== undefined) description.EventPattern = input.EventPattern;
    if (input.Description !== undefined) description.Description = input.Description;
    if (input.RoleArn !== undefined) description.RoleArn = input.RoleArn;
    const rule: Rule = existing ?? { description, targets: new Map(), firings: 0 };
    const scheduleChanged =
      existing?.description.ScheduleExpression !== input.ScheduleExpression ||
      existing?.description.State !== state;
    rule.description = description;
    if (schedule && (scheduleChanged || !rule.schedule)) rule.schedule = schedule;
    if (!schedule) delete rule.schedule;
    this.rules.set(input.Name, rule);
    if (scheduleChanged || !existing) this.arm(rule);
    return { RuleArn: description.Arn };
  }

  describeRule(name: string, bus?: string): RuleDescription {
    checkBus(bus);
    return { ...this.find(name).description };
  }

  listRules(
    prefix?: string,
    limit?: number,
    nextToken?: string,
    bus?: string,
  ): { Rules: Omit<RuleDescription, 'CreatedBy'>[]; NextToken?: string } {
    checkBus(bus);
    if (limit !== undefined && (limit < 1 || limit > 100)) {
      throw validationError(
        `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`,
      );
    }
    const after = nextToken ? Buffer.from(nextToken, 'base64').toString('utf8') : '';
    const names = [...this.rules.keys()]
      .filter((n) => prefix === undefined || n.startsWith(prefix))
      .sort()
      .filter((n) => n > after);
    const page = names.slice(0, limit ?? 100);
    const out: { Rules: Omit<RuleDescription, 'CreatedBy'>[]; NextToken?: string } = {
      // ListRules entries have no CreatedBy (DescribeRule has).
      Rules: page.map((n) => {
        const { CreatedBy: _createdBy, ...rest } = this.rules.get(n)!.description;
        return rest;
      }),
    };
    if (names.length > page.length) {
      out.NextToken = Buffer.from(page[page.length - 1]!).toString('base64');
    }
    return out;
  }

  deleteRule(name: string, force = false, bus?: string): void {
    checkBus(bus);
    const rule = this.rules.get(name);
    // Deleting a rule that does not exist succeeds, as on AWS.
    if (!rule) return;
    if (rule.targets.size > 0 && !force) {
      throw validationError("Rule can't be deleted since it has targets.");
    }
    this.disarm(rule);
    this.rules.delete(name);
  }

  setState(name: string, enabled: boolean, bus?: string): void {
    checkBus(bus);
    const rule = this.find(name);
    const state = enabled ? 'ENABLED' : 'DISABLED';
    if (rule.description.State === state) return;
    rule.description.State = state;
    // A re-enabled rate schedule starts counting again from now.
    if (enabled && rule.description.ScheduleExpression !== undefined) {
      rule.schedule = parseSchedule(rule.description.ScheduleExpression, this.opts.clock.now());
    }
    this.arm(rule);
  }

  putTargets(
    ruleName: string,
    targets: Target[],
    bus?: string,
  ): { FailedEntryCount: number; FailedEntries: unknown[] } {
    checkBus(bus);
    const rule = this.find(ruleName);
    for (const t of targets) {
      if (!/^[.\-_A-Za-z0-9]{1,64}$/.test(t.Id)) {
        throw validationError(
          `1 validation error detected: Value '${t.Id}' at 'targets.1.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`,
        );
      }
      const service = t.Arn.split(':')[2];
      if (!t.Arn.startsWith('arn:') || !['lambda', 'sqs', 'sns'].includes(service ?? '')) {
        throw validationError(
          `Target ${t.Id}: the embedded emulator delivers to Lambda functions, SQS queues and SNS topics only, not ${t.Arn}`,
        );
      }
      if (t.Input !== undefined && t.InputPath !== undefined) {
        throw validationError(
          `Target ${t.Id}: only one of Input, InputPath and InputTransformer may be set.`,
        );
      }
      if (t.Input !== undefined) {
        try {
          JSON.parse(t.Input);
        } catch {
          throw validationError(`Target ${t.Id}: Input is not valid JSON.`);
        }
      }
    }
    const ids = new Set([...rule.targets.keys(), ...targets.map((t) => t.Id)]);
    if (ids.size > MAX_TARGETS) {
      throw new AwsError(
        'LimitExceededException',
        `The requested resource exceeds the maximum number allowed (${MAX_TARGETS} targets per rule).`,
      );
    }
    for (const t of targets) rule.targets.set(t.Id, { ...t });
    return { FailedEntryCount: 0, FailedEntries: [] };
  }

  removeTargets(
    ruleName: string,
    ids: string[],
    bus?: string,
  ): { FailedEntryCount: number; FailedEntries: unknown[] } {
    checkBus(bus);
    const rule = this.find(ruleName);
    const failed = ids
      .filter((id) => !rule.targets.has(id))
      .map((TargetId) => ({
        TargetId,
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Target ${TargetId} does not exist on rule ${ruleName}.`,
      }));
    for (const id of ids) rule.targets.delete(id);
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  }

  listTargetsByRule(ruleName: string, bus?: string): { Targets: Target[] } {
    checkBus(bus);
    return { Targets: [...this.find(ruleName).targets.values()].map((t) => ({ ...t })) };
  }

  /** How many times a schedule rule has fired (for tests and the simulator). */
  firings(name: string): number {
    return this.find(name).firings;
  }

  dispose(): void {
    for (const rule of this.rules.values()) this.disarm(rule);
    this.rules.clear();
  }

  /** Schedules the rule's next run, if it is an enabled schedule rule. */
  private arm(rule: Rule): void {
    this.disarm(rule);
    if (!rule.schedule || rule.description.State === 'DISABLED') return;
    const now = this.opts.clock.now();
    const at = rule.schedule.next(now);
    if (at === undefined) return;
    rule.timer = this.opts.clock.setTimeout(() => this.fire(rule), at - now);
  }

  private disarm(rule: Rule): void {
    if (rule.timer) this.opts.clock.clearTimer(rule.timer);
    delete rule.timer;
  }

  private async fire(rule: Rule): Promise<void> {
    delete rule.timer;
    if (this.rules.get(rule.description.Name) !== rule) return;
    rule.firings++;
    const at = this.opts.clock.now();
    this.arm(rule);
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: this.opts.accountId,
      time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.opts.region,
      resources: [rule.description.Arn],
      detail: {},
    };
    await Promise.all([...rule.targets.values()].map((t) => this.deliver(t, inputFor(t, event))));
  }

  /** EventBridge retries failed deliveries itself; here a target that is gone is skipped. */
  private async deliver(target: Target, body: string): Promise<void> {
    const service = target.Arn.split(':')[2];
    try {
      if (service === 'lambda') await this.opts.lambda.invoke(target.Arn, body, 'Event');
      else if (service === 'sqs') this.opts.queues?.sendToArn(target.Arn, body);
      else if (service === 'sns')
        await this.opts.publisher?.publish({ topicArn: target.Arn, message: body });
    } catch {
      // A missing function or queue fails the delivery only, as FailedInvocations on AWS.
    }
  }

  private find(name: string): Rule {
    const rule = this.rules.get(name);
    if (!rule) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Rule ${name} does not exist on EventBus default.`,
      );
    }
    return rule;
  }
}

function checkName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw validationError(
      `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length less than or equal to 64`,
    );
  }
}

function checkBus(bus: string | undefined): void {
  if (bus !== undefined && bus !== 'default' && !bus.endsWith(':event-bus/default')) {
    throw new AwsError('ResourceNotFoundException', `Event bus ${bus} does not exist.`);
  }
}

function checkPattern(pattern: string): void {
  let value: unknown;
  try {
    value = JSON.parse(pattern);
  } catch {
    throw new AwsError('InvalidEventPatternException', 'Event pattern is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AwsError('InvalidEventPatternException', 'Event pattern must be a JSON object.');
  }
}

/** Input replaces the event; InputPath selects part of it (`$` or `$.field.field`). */
function inputFor(target: Target, event: Record<string, unknown>): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined && target.InputPath !== '$') {
    let node: unknown = event;
    for (const key of target.InputPath.replace(/^\$\.?/, '').split('.')) {
      node =
        node !== null && typeof node === 'object'
          ? (node as Record<string, unknown>)[key]
          : undefined;
    }
    return JSON.stringify(node ?? null);
  }
  return JSON.stringify(event);
}
