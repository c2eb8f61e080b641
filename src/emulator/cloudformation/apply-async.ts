import { createHash } from 'node:crypto';
import {
  DescribeRuleCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type RuleState,
} from '@aws-sdk/client-eventbridge';
import { PutFunctionEventInvokeConfigCommand } from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import type { ApplyClients, HandlerInput, Outcome } from './apply.js';
import { TemplateError, type Json, type JsonObject } from './template.js';

/**
 * CloudFormation handlers for what osls@3 emits for `schedule` events (AWS::Events::Rule),
 * `destinations` and `maximumRetryAttempts` (AWS::Lambda::EventInvokeConfig), and for dead-letter
 * queues (AWS::SQS::Queue). Like the other handlers they are clients of the emulated services.
 */

/** The SQS::Queue properties that are queue attributes, as CreateQueue names them. */
const QUEUE_ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
];

export async function applyQueue({ logicalId, props, opts, ctx }: HandlerInput): Promise<Outcome> {
  const sqs = client(opts.clients, 'sqs', logicalId);
  if (props.FifoQueue === true || props.FifoQueue === 'true') {
    throw new TemplateError(
      `resource ${logicalId}: the embedded emulator serves standard queues only, not FIFO queues`,
    );
  }
  const name = str(props.QueueName, logicalId, 'QueueName') ?? generatedName(ctx, logicalId, 80);
  const attributes: Record<string, string> = {};
  for (const key of QUEUE_ATTRIBUTES) {
    const v = props[key];
    if (v === undefined || v === null) continue;
    // CloudFormation takes policies as objects; SQS wants their JSON.
    attributes[key] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  let url: string | undefined;
  try {
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (err) {
    if (!(err instanceof Error && err.name === 'QueueDoesNotExist')) throw err;
  }
  const exists = url !== undefined;
  if (url !== undefined) {
    if (Object.keys(attributes).length > 0) {
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
    }
  } else {
    url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes })))
      .QueueUrl!;
  }
  const arn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  return {
    physicalId: url,
    ref: url,
    attributes: { Arn: arn ?? '', QueueName: name, QueueUrl: url },
    status: exists ? 'UPDATED' : 'CREATED',
  };
}

export async function applyRule({ logicalId, props, opts, ctx }: HandlerInput): Promise<Outcome> {
  const events = client(opts.clients, 'events', logicalId);
  const name = str(props.Name, logicalId, 'Name') ?? generatedName(ctx, logicalId, 64);
  const pattern = props.EventPattern;
  const bus = str(props.EventBusName, logicalId, 'EventBusName');
  let exists = true;
  try {
    await events.send(new DescribeRuleCommand({ Name: name, EventBusName: bus }));
  } catch (err) {
    if (!(err instanceof Error && err.name === 'ResourceNotFoundException')) throw err;
    exists = false;
  }
  const { RuleArn } = await events.send(
    new PutRuleCommand({
      Name: name,
      ScheduleExpression: str(props.ScheduleExpression, logicalId, 'ScheduleExpression'),
      EventPattern:
        pattern === undefined || pattern === null
          ? undefined
          : typeof pattern === 'string'
            ? pattern
            : JSON.stringify(pattern),
      State: str(props.State, logicalId, 'State') as RuleState | undefined,
      Description: str(props.Description, logicalId, 'Description'),
      RoleArn: str(props.RoleArn, logicalId, 'RoleArn'),
      EventBusName: bus,
    }),
  );
  const targets = list(props.Targets, logicalId, 'Targets').map((t, i) => {
    const where = `Targets[${i}]`;
    const input = t.Input;
    return {
      Id: required(t.Id, logicalId, `${where}.Id`),
      Arn: required(t.Arn, logicalId, `${where}.Arn`),
      ...(input !== undefined && input !== null
        ? { Input: typeof input === 'string' ? input : JSON.stringify(input) }
        : {}),
      ...(t.InputPath !== undefined ? { InputPath: required(t.InputPath, logicalId, where) } : {}),
    };
  });
  // Targets no longer in the template go, as CloudFormation replaces the rule's target list.
  const current =
    (await events.send(new ListTargetsByRuleCommand({ Rule: name, EventBusName: bus }))).Targets ??
    [];
  const stale = current.map((t) => t.Id!).filter((id) => !targets.some((t) => t.Id === id));
  if (stale.length > 0) {
    await events.send(new RemoveTargetsCommand({ Rule: name, Ids: stale, EventBusName: bus }));
  }
  if (targets.length > 0) {
    const out = await events.send(
      new PutTargetsCommand({ Rule: name, Targets: targets, EventBusName: bus }),
    );
    if ((out.FailedEntryCount ?? 0) > 0) {
      throw new TemplateError(
        `resource ${logicalId}: targets refused: ${JSON.stringify(out.FailedEntries)}`,
      );
    }
  }
  return {
    physicalId: name,
    ref: name,
    attributes: { Arn: RuleArn ?? '' },
    status: exists ? 'UPDATED' : 'CREATED',
  };
}

export async function applyEventInvokeConfig({
  logicalId,
  props,
  opts,
}: HandlerInput): Promise<Outcome> {
  const functionName = required(props.FunctionName, logicalId, 'FunctionName');
  const qualifier = str(props.Qualifier, logicalId, 'Qualifier') ?? '$LATEST';
  const destinations = isObject(props.DestinationConfig) ? props.DestinationConfig : {};
  const destination = (key: string) => {
    const d = destinations[key];
    const arn = isObject(d) ? str(d.Destination, logicalId, `DestinationConfig.${key}`) : undefined;
    return arn === undefined ? undefined : { Destination: arn };
  };
  await opts.clients.lambda.send(
    new PutFunctionEventInvokeConfigCommand({
      FunctionName: functionName,
      Qualifier: qualifier,
      MaximumRetryAttempts: num(props.MaximumRetryAttempts, logicalId, 'MaximumRetryAttempts'),
      MaximumEventAgeInSeconds: num(
        props.MaximumEventAgeInSeconds,
        logicalId,
        'MaximumEventAgeInSeconds',
      ),
      DestinationConfig: {
        OnSuccess: destination('OnSuccess'),
        OnFailure: destination('OnFailure'),
      },
    }),
  );
  const id = `${functionName}:${qualifier}`;
  return { physicalId: id, ref: id, attributes: {}, status: 'UPDATED' };
}

/** Names CloudFormation makes up are stable per stack and resource, so re-applying finds them. */
function generatedName(ctx: { stackName: string }, logicalId: string, max: number): string {
  const suffix = createHash('sha256')
    .update(`${ctx.stackName}/${logicalId}`)
    .digest('hex')
    .slice(0, 12)
    .toUpperCase();
  const head = `${ctx.stackName}-${logicalId}`.slice(0, max - suffix.length - 1);
  return `${head}-${suffix}`;
}

function client<K extends 'sqs' | 'events'>(
  clients: ApplyClients,
  key: K,
  logicalId: string,
): NonNullable<ApplyClients[K]> {
  const c = clients[key];
  if (!c) {
    throw new TemplateError(`resource ${logicalId}: applying it needs an ${key} client`);
  }
  return c as NonNullable<ApplyClients[K]>;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: Json | undefined, logicalId: string, prop: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TemplateError(`resource ${logicalId}: ${prop} must be a string`);
}

function required(v: Json | undefined, logicalId: string, prop: string): string {
  const s = str(v, logicalId, prop);
  if (s === undefined || s === '')
    throw new TemplateError(`resource ${logicalId}: ${prop} is required`);
  return s;
}

function num(v: Json | undefined, logicalId: string, prop: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n))
    throw new TemplateError(`resource ${logicalId}: ${prop} must be a number`);
  return n;
}

function list(v: Json | undefined, logicalId: string, prop: string): JsonObject[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every(isObject)) {
    throw new TemplateError(`resource ${logicalId}: ${prop} must be a list of objects`);
  }
  return v as JsonObject[];
}
