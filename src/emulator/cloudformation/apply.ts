import { randomUUID } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type KeySchemaElement,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type Architecture,
  type LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
  TagResourceCommand,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSClient } from '@aws-sdk/client-sqs';
import JSZip from 'jszip';
import { applyEventInvokeConfig, applyQueue, applyRule } from './apply-async.js';
import type { CloudFormationModel, ResourceApplyStatus, StackOutput } from './model.js';
import { applyBucket, applyBucketPolicy } from './s3-resources.js';
import {
  dependencyOrder,
  evaluateConditions,
  isIncluded,
  parseTemplate,
  resolveParameters,
  resolveString,
  resolveValue,
  TemplateError,
  type Json,
  type JsonObject,
  type ResolveContext,
  type ResolvedResource,
  type Template,
} from './template.js';

export interface ApplyClients {
  sns: SNSClient;
  dynamodb: DynamoDBClient;
  lambda: LambdaClient;
  /** When given, buckets are created in S3 and Lambda code is read from `Code.S3Bucket`. */
  s3?: S3Client;
  /** Needed by templates with SQS queues or EventBridge rules. */
  sqs?: SQSClient;
  events?: EventBridgeClient;
}

export interface ApplyTemplateOptions {
  stackName: string;
  /** The parsed template, or its JSON text. */
  template: Template | string | object;
  region: string;
  accountId: string;
  /** Where the packaged zips are (the `.serverless` folder); `Code.S3Key` basenames are found here. */
  artifactDir: string;
  clients: ApplyClients;
  parameters?: Record<string, string>;
  /**
   * When given, `Fn::ImportValue` reads its exports, export names are checked against other
   * stacks before anything is created, and the applied stack is recorded in it.
   */
  model?: CloudFormationModel;
  /** Extra exports for `Fn::ImportValue` (used when no model is given). */
  imports?: Record<string, string>;
}

export interface AppliedResource {
  logicalId: string;
  type: string;
  physicalId: string;
  status: ResourceApplyStatus;
  note?: string;
}

export interface AppliedStack {
  stackName: string;
  stackId: string;
  /** Output key -> value. */
  outputs: Record<string, string>;
  /** Export name -> value. */
  exports: Record<string, string>;
  resources: AppliedResource[];
  /** Outputs with their descriptions and export names, as DescribeStacks reports them. */
  outputDetails: StackOutput[];
}

/** A resource failed to apply; the message names it, its type and what went wrong. */
export class ApplyError extends Error {
  constructor(
    message: string,
    readonly logicalId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApplyError';
  }
}

export interface Outcome {
  physicalId: string;
  ref: string;
  attributes: Record<string, string>;
  status: ResourceApplyStatus;
  note?: string;
}

export interface HandlerInput {
  logicalId: string;
  /** What the resource is now, when the stack already has it (an update). */
  previousPhysicalId?: string;
  props: JsonObject;
  opts: ApplyTemplateOptions;
  ctx: ResolveContext;
  cache: ApplyCache;
}

export interface ApplyCache {
  topicArns?: Set<string>;
}

export type Handler = (input: HandlerInput) => Promise<Outcome>;

const NO_OP_REASONS: Record<string, string> = {
  'AWS::IAM::Role': 'the emulator does not enforce IAM; the role ARN is computed',
  'AWS::Logs::LogGroup': 'the emulator keeps Lambda logs itself; no CloudWatch Logs group is made',
  'AWS::Lambda::Version':
    'versions are not published; the reference is the function ARN qualified with $LATEST',
  'AWS::Lambda::Permission': 'the emulator does not check Lambda resource policies',
};

const HANDLERS: Record<string, Handler> = {
  'AWS::SNS::Topic': applyTopic,
  'AWS::SNS::Subscription': applySubscription,
  'AWS::DynamoDB::Table': applyTable,
  'AWS::Lambda::Function': applyFunction,
  'AWS::S3::Bucket': applyBucket,
  'AWS::S3::BucketPolicy': applyBucketPolicy,
  'AWS::Lambda::EventInvokeConfig': applyEventInvokeConfig,
  'AWS::SQS::Queue': applyQueue,
  'AWS::Events::Rule': applyRule,
};

/**
 * Creates or updates one resource from its resolved properties; types the emulator keeps no state
 * for resolve to computed names. Errors name the resource and what went wrong.
 */
export async function applyResource(type: string, input: HandlerInput): Promise<Outcome> {
  const handler = HANDLERS[type];
  if (!handler) {
    if (!(type in NO_OP_REASONS)) {
      throw new TemplateError(
        `resource ${input.logicalId}: type ${type} is not supported by the emulator (supported: ${[
          ...SUPPORTED_TYPES,
          ...NO_OP_TYPES,
        ].join(', ')})`,
      );
    }
    return noOp(type, input.logicalId, input.props, input.ctx);
  }
  try {
    return await handler(input);
  } catch (err) {
    if (err instanceof TemplateError || err instanceof ApplyError) throw err;
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw new ApplyError(`resource ${input.logicalId} (${type}): ${message}`, input.logicalId, {
      cause: err,
    });
  }
}

export const SUPPORTED_TYPES = Object.keys(HANDLERS);
export const NO_OP_TYPES = Object.keys(NO_OP_REASONS);

/**
 * Applies a template to the emulator the way CloudFormation would, as an ordinary client of the
 * services (SNS, DynamoDB, Lambda) through the AWS SDK. The whole template is checked before the
 * first resource is created; re-applying the same template changes nothing.
 */
export async function applyTemplate(opts: ApplyTemplateOptions): Promise<AppliedStack> {
  const template = parseTemplate(opts.template);
  const { stackName, region, accountId, model } = opts;

  for (const [id, res] of Object.entries(template.Resources)) {
    if (!(res.Type in HANDLERS) && !(res.Type in NO_OP_REASONS)) {
      throw new TemplateError(
        `resource ${id}: type ${res.Type} is not supported by the emulator (supported: ${[
          ...SUPPORTED_TYPES,
          ...NO_OP_TYPES,
        ].join(', ')})`,
      );
    }
  }
  const order = dependencyOrder(template);
  const stackId =
    model?.stackIdFor(region, accountId, stackName) ??
    `arn:aws:cloudformation:${region}:${accountId}:stack/${stackName}/${randomUUID()}`;
  const base = {
    region,
    accountId,
    stackName,
    stackId,
    partition: 'aws',
    urlSuffix: 'amazonaws.com',
    parameters: resolveParameters(template, opts.parameters),
  };
  const ctx: ResolveContext = {
    ...base,
    conditions: evaluateConditions(template, base),
    resources: new Map<string, ResolvedResource>(),
    imports: { ...(opts.imports ?? {}), ...(model?.exports(region) ?? {}) },
  };
  await precheck(template, opts, ctx);

  const cache: ApplyCache = {};
  const applied: AppliedResource[] = [];
  for (const logicalId of order) {
    const res = template.Resources[logicalId]!;
    const where = `resource ${logicalId} (${res.Type})`;
    if (!isIncluded(res.Condition, ctx.conditions, `resource ${logicalId}`)) continue;
    const props = resolveValue(res.Properties ?? {}, ctx, where) as JsonObject;
    let outcome: Outcome;
    const handler = HANDLERS[res.Type];
    if (handler) {
      try {
        outcome = await handler({ logicalId, props, opts, ctx, cache });
      } catch (err) {
        if (err instanceof TemplateError || err instanceof ApplyError) throw err;
        const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        throw new ApplyError(`${where}: ${message}`, logicalId, { cause: err });
      }
    } else {
      outcome = noOp(res.Type, logicalId, props, ctx);
    }
    ctx.resources.set(logicalId, {
      type: res.Type,
      ref: outcome.ref,
      attributes: outcome.attributes,
    });
    const entry: AppliedResource = {
      logicalId,
      type: res.Type,
      physicalId: outcome.physicalId,
      status: outcome.status,
    };
    if (outcome.note !== undefined) entry.note = outcome.note;
    applied.push(entry);
  }

  const outputDetails: StackOutput[] = [];
  for (const [key, out] of Object.entries(template.Outputs ?? {})) {
    if (!isIncluded(out.Condition, ctx.conditions, `output ${key}`)) continue;
    const value = outputString(out.Value, ctx, `output ${key}`);
    const detail: StackOutput = { key, value };
    if (out.Description !== undefined) detail.description = out.Description;
    if (out.Export) detail.exportName = resolveString(out.Export.Name, ctx, `output ${key} Export`);
    outputDetails.push(detail);
  }

  const result: AppliedStack = {
    stackName,
    stackId,
    outputs: Object.fromEntries(outputDetails.map((o) => [o.key, o.value])),
    exports: Object.fromEntries(
      outputDetails.flatMap((o) => (o.exportName === undefined ? [] : [[o.exportName, o.value]])),
    ),
    resources: applied,
    outputDetails,
  };
  if (model) {
    const record: Parameters<CloudFormationModel['recordStack']>[0] = {
      stackName,
      stackId,
      region,
      parameters: base.parameters,
      outputs: outputDetails,
      resources: applied,
    };
    if (template.Description !== undefined) record.description = template.Description;
    model.recordStack(record);
  }
  return result;
}

/**
 * Checks what can be checked before creating anything: packaged zips exist, literal import names
 * are exported, and literal export names are not owned by another stack.
 */
async function precheck(
  template: Template,
  opts: ApplyTemplateOptions,
  ctx: ResolveContext,
): Promise<void> {
  for (const [id, res] of Object.entries(template.Resources)) {
    if (!isIncluded(res.Condition, ctx.conditions, `resource ${id}`)) continue;
    if (res.Type === 'AWS::Lambda::Function') {
      const code = res.Properties?.Code;
      if (!isObject(code)) throw new TemplateError(`resource ${id}: Code is required`);
      if (typeof code.S3Key === 'string' && !(code.S3Bucket !== undefined && opts.clients.s3)) {
        await zipPath(id, code.S3Key, opts.artifactDir);
      } else if (code.S3Key === undefined && code.ZipFile === undefined) {
        throw new TemplateError(
          `resource ${id}: Code must have S3Key (a zip in the artifact folder) or ZipFile; container images are not supported`,
        );
      }
    }
    for (const name of literalImports(res.Properties ?? {})) {
      if (!(name in ctx.imports)) {
        throw new TemplateError(
          `resource ${id}: Fn::ImportValue: no applied stack exports ${name}`,
        );
      }
    }
  }
  if (opts.model) {
    const names: string[] = [];
    for (const out of Object.values(template.Outputs ?? {})) {
      const name = out.Export?.Name;
      if (name === undefined) continue;
      try {
        // Names built only from parameters and pseudo parameters resolve before any resource.
        names.push(resolveString(name, ctx, 'export'));
      } catch {
        // Names that need a resource are checked when the stack is recorded.
      }
    }
    opts.model.checkExports(opts.region, opts.stackName, names);
  }
}

function literalImports(value: Json): string[] {
  if (Array.isArray(value)) return value.flatMap(literalImports);
  if (!isObject(value)) return [];
  const arg = value['Fn::ImportValue'];
  if (Object.keys(value).length === 1 && typeof arg === 'string') return [arg];
  return Object.values(value).flatMap(literalImports);
}

async function zipPath(logicalId: string, s3Key: string, artifactDir: string): Promise<string> {
  const file = path.join(artifactDir, path.posix.basename(s3Key));
  try {
    await access(file);
  } catch {
    throw new TemplateError(
      `resource ${logicalId}: Code.S3Key ${s3Key}: ${file} does not exist (package the service first, e.g. \`sls package\`)`,
    );
  }
  return file;
}

function outputString(value: Json, ctx: ResolveContext, where: string): string {
  const v = resolveValue(value, ctx, where);
  if (Array.isArray(v)) return v.map(String).join(',');
  return resolveString(v, ctx, where);
}

function noOp(type: string, logicalId: string, props: JsonObject, ctx: ResolveContext): Outcome {
  const { region, accountId, stackName } = ctx;
  const fallback = `${stackName}-${logicalId}`;
  const note = NO_OP_REASONS[type]!;
  const str = (v: Json | undefined) => (typeof v === 'string' && v !== '' ? v : undefined);
  let ref = fallback;
  let attributes: Record<string, string> = {};
  switch (type) {
    case 'AWS::IAM::Role': {
      ref = str(props.RoleName) ?? fallback.slice(0, 64);
      const rolePath = str(props.Path) ?? '/';
      attributes = {
        Arn: `arn:aws:iam::${accountId}:role${rolePath}${ref}`,
        RoleId: `AROA${logicalId.toUpperCase().slice(0, 17)}`,
      };
      break;
    }
    case 'AWS::Logs::LogGroup':
      ref = str(props.LogGroupName) ?? fallback;
      attributes = { Arn: `arn:aws:logs:${region}:${accountId}:log-group:${ref}:*` };
      break;
    case 'AWS::S3::Bucket':
      ref = str(props.BucketName) ?? fallback.toLowerCase().slice(0, 63);
      attributes = {
        Arn: `arn:aws:s3:::${ref}`,
        DomainName: `${ref}.s3.amazonaws.com`,
        RegionalDomainName: `${ref}.s3.${region}.amazonaws.com`,
      };
      break;
    case 'AWS::SQS::Queue':
      ref = str(props.QueueName) ?? fallback.slice(0, 80);
      attributes = { Arn: `arn:aws:sqs:${region}:${accountId}:${ref}`, QueueName: ref };
      ref = `https://sqs.${region}.amazonaws.com/${accountId}/${ref}`;
      break;
    case 'AWS::Events::Rule':
      ref = str(props.Name) ?? fallback.slice(0, 64);
      attributes = { Arn: `arn:aws:events:${region}:${accountId}:rule/${ref}` };
      break;
    case 'AWS::Lambda::Version': {
      const fn = str(props.FunctionName);
      if (fn === undefined)
        throw new TemplateError(`resource ${logicalId}: FunctionName is required`);
      const arn = fn.startsWith('arn:') ? fn : functionArn(region, accountId, fn);
      ref = `${arn}:$LATEST`;
      attributes = { Version: '$LATEST', FunctionArn: arn };
      break;
    }
  }
  return { physicalId: ref, ref, attributes, status: 'NO_OP', note };
}

function functionArn(region: string, accountId: string, name: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
}

// ---------------------------------------------------------------------------------------------
// SNS

async function topicArns(sns: SNSClient, cache: ApplyCache): Promise<Set<string>> {
  if (!cache.topicArns) {
    const arns = new Set<string>();
    let NextToken: string | undefined;
    do {
      const page = await sns.send(new ListTopicsCommand(NextToken ? { NextToken } : {}));
      for (const t of page.Topics ?? []) if (t.TopicArn) arns.add(t.TopicArn);
      NextToken = page.NextToken;
    } while (NextToken);
    cache.topicArns = arns;
  }
  return cache.topicArns;
}

async function applyTopic({ logicalId, props, opts, ctx, cache }: HandlerInput): Promise<Outcome> {
  const sns = opts.clients.sns;
  const fifo = props.FifoTopic === true || props.FifoTopic === 'true';
  const name =
    optionalString(props.TopicName, logicalId, 'TopicName') ??
    `${ctx.stackName}-${logicalId}`.slice(0, fifo ? 251 : 256) + (fifo ? '.fifo' : '');
  const expectedArn = `arn:aws:sns:${ctx.region}:${ctx.accountId}:${name}`;
  const existing = (await topicArns(sns, cache)).has(expectedArn);
  const displayName = optionalString(props.DisplayName, logicalId, 'DisplayName');
  const tags = tagList(props.Tags, logicalId);

  let arn: string;
  if (!existing) {
    const attributes: Record<string, string> = {};
    if (displayName !== undefined) attributes.DisplayName = displayName;
    if (fifo) attributes.FifoTopic = 'true';
    if (props.ContentBasedDeduplication !== undefined) {
      attributes.ContentBasedDeduplication = String(props.ContentBasedDeduplication);
    }
    const out = await sns.send(
      new CreateTopicCommand({
        Name: name,
        ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
        ...(tags.length > 0 ? { Tags: tags } : {}),
      }),
    );
    arn = out.TopicArn ?? expectedArn;
    cache.topicArns?.add(arn);
  } else {
    // CreateTopic fails on an existing topic with different attributes, so update them instead.
    arn = expectedArn;
    if (displayName !== undefined) {
      await sns.send(
        new SetTopicAttributesCommand({
          TopicArn: arn,
          AttributeName: 'DisplayName',
          AttributeValue: displayName,
        }),
      );
    }
    if (tags.length > 0) await sns.send(new TagResourceCommand({ ResourceArn: arn, Tags: tags }));
  }

  // Topics that the Serverless Framework creates for `sns: <name>` events list their
  // subscriptions inline.
  const inline = props.Subscription;
  if (inline !== undefined) {
    if (!Array.isArray(inline)) {
      throw new TemplateError(`resource ${logicalId}: Subscription must be a list`);
    }
    for (const [i, s] of inline.entries()) {
      if (!isObject(s))
        throw new TemplateError(`resource ${logicalId}: Subscription[${i}] must be an object`);
      await ensureSubscription(sns, {
        topicArn: arn,
        protocol: requiredString(s.Protocol, logicalId, `Subscription[${i}].Protocol`),
        endpoint: requiredString(s.Endpoint, logicalId, `Subscription[${i}].Endpoint`),
        attributes: {},
      });
    }
  }
  return {
    physicalId: arn,
    ref: arn,
    attributes: { TopicArn: arn, TopicName: name },
    status: existing ? 'UPDATED' : 'CREATED',
    ...(existing ? { note: 'topic already existed; attributes updated' } : {}),
  };
}

async function ensureSubscription(
  sns: SNSClient,
  s: { topicArn: string; protocol: string; endpoint: string; attributes: Record<string, string> },
): Promise<{ arn: string; created: boolean }> {
  let NextToken: string | undefined;
  do {
    const page = await sns.send(
      new ListSubscriptionsByTopicCommand({
        TopicArn: s.topicArn,
        ...(NextToken ? { NextToken } : {}),
      }),
    );
    const match = page.Subscriptions?.find(
      (x) => x.Protocol === s.protocol && x.Endpoint === s.endpoint && x.SubscriptionArn,
    );
    if (match?.SubscriptionArn) return { arn: match.SubscriptionArn, created: false };
    NextToken = page.NextToken;
  } while (NextToken);
  const out = await sns.send(
    new SubscribeCommand({
      TopicArn: s.topicArn,
      Protocol: s.protocol,
      Endpoint: s.endpoint,
      ReturnSubscriptionArn: true,
      ...(Object.keys(s.attributes).length > 0 ? { Attributes: s.attributes } : {}),
    }),
  );
  if (!out.SubscriptionArn) throw new Error('Subscribe returned no SubscriptionArn');
  return { arn: out.SubscriptionArn, created: true };
}

async function applySubscription({ logicalId, props, opts }: HandlerInput): Promise<Outcome> {
  const attributes: Record<string, string> = {};
  for (const key of ['FilterPolicy', 'RedrivePolicy', 'DeliveryPolicy'] as const) {
    const v = props[key];
    if (v !== undefined && v !== null) {
      attributes[key] = typeof v === 'string' ? v : JSON.stringify(v);
    }
  }
  for (const key of ['FilterPolicyScope', 'RawMessageDelivery'] as const) {
    const v = props[key];
    if (v !== undefined && v !== null) attributes[key] = String(v);
  }
  const { arn, created } = await ensureSubscription(opts.clients.sns, {
    topicArn: requiredString(props.TopicArn, logicalId, 'TopicArn'),
    protocol: requiredString(props.Protocol, logicalId, 'Protocol'),
    endpoint: requiredString(props.Endpoint, logicalId, 'Endpoint'),
    attributes,
  });
  return {
    physicalId: arn,
    ref: arn,
    attributes: {},
    status: created ? 'CREATED' : 'UPDATED',
    ...(created ? {} : { note: 'subscription already existed; kept' }),
  };
}

// ---------------------------------------------------------------------------------------------
// DynamoDB

async function applyTable({ logicalId, props, opts, ctx }: HandlerInput): Promise<Outcome> {
  const ddb = opts.clients.dynamodb;
  const name =
    optionalString(props.TableName, logicalId, 'TableName') ?? `${ctx.stackName}-${logicalId}`;
  const keySchema = props.KeySchema as unknown as KeySchemaElement[] | undefined;
  if (!Array.isArray(keySchema) || keySchema.length === 0) {
    throw new TemplateError(`resource ${logicalId}: KeySchema is required`);
  }

  let table: TableDescription | undefined;
  try {
    table = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }

  const notes: string[] = [];
  const ignored = ignoredProperties(props, TABLE_PROPERTIES);
  if (ignored) notes.push(ignored);
  let status: ResourceApplyStatus;
  if (table) {
    if (keyOf(table.KeySchema ?? []) !== keyOf(keySchema)) {
      throw new ApplyError(
        `resource ${logicalId} (AWS::DynamoDB::Table): table ${name} already exists with key schema ${keyOf(
          table.KeySchema ?? [],
        )}, the template wants ${keyOf(keySchema)}; the emulator does not replace tables (delete it first)`,
        logicalId,
      );
    }
    status = 'UPDATED';
    notes.push('table already existed with the same key schema; kept');
  } else {
    table = (await ddb.send(new CreateTableCommand(createTableInput(name, props))))
      .TableDescription;
    status = 'CREATED';
  }

  const ttl = props.TimeToLiveSpecification;
  if (isObject(ttl)) {
    const changed = await applyTtl(ddb, name, ttl, logicalId);
    if (changed) {
      notes.push(
        ttl.Enabled === true || ttl.Enabled === 'true'
          ? `TTL set on ${String(ttl.AttributeName)} (the emulator records TTL but does not expire items)`
          : 'TTL disabled',
      );
    }
  }

  const arn = table?.TableArn ?? `arn:aws:dynamodb:${ctx.region}:${ctx.accountId}:table/${name}`;
  const attributes: Record<string, string> = { Arn: arn };
  if (table?.LatestStreamArn) attributes.StreamArn = table.LatestStreamArn;
  return {
    physicalId: name,
    ref: name,
    attributes,
    status,
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}

function createTableInput(name: string, props: JsonObject): CreateTableCommandInput {
  const input: Record<string, unknown> = { TableName: name };
  for (const key of CREATE_TABLE_PROPERTIES) {
    if (props[key] !== undefined) input[key] = props[key];
  }
  // CloudFormation's StreamSpecification and SSESpecification differ from the API's.
  const stream = props.StreamSpecification;
  if (isObject(stream) && typeof stream.StreamViewType === 'string') {
    input.StreamSpecification = { StreamEnabled: true, StreamViewType: stream.StreamViewType };
  }
  const sse = props.SSESpecification;
  if (isObject(sse) && sse.SSEEnabled !== undefined) {
    input.SSESpecification = {
      Enabled: sse.SSEEnabled === true || sse.SSEEnabled === 'true',
      ...(typeof sse.SSEType === 'string' ? { SSEType: sse.SSEType } : {}),
      ...(typeof sse.KMSMasterKeyId === 'string' ? { KMSMasterKeyId: sse.KMSMasterKeyId } : {}),
    };
  }
  return input as unknown as CreateTableCommandInput;
}

/** Brings the table's TTL to the template's; true when something changed. */
async function applyTtl(
  ddb: DynamoDBClient,
  tableName: string,
  spec: JsonObject,
  logicalId: string,
): Promise<boolean> {
  const enabled = spec.Enabled === true || spec.Enabled === 'true';
  const attributeName = optionalString(
    spec.AttributeName,
    logicalId,
    'TimeToLiveSpecification.AttributeName',
  );
  if (enabled && attributeName === undefined) {
    throw new TemplateError(
      `resource ${logicalId}: TimeToLiveSpecification.AttributeName is required when Enabled`,
    );
  }
  const current = (await ddb.send(new DescribeTimeToLiveCommand({ TableName: tableName })))
    .TimeToLiveDescription;
  const isOn = current?.TimeToLiveStatus === 'ENABLED' || current?.TimeToLiveStatus === 'ENABLING';
  if (enabled && isOn && current?.AttributeName === attributeName) return false;
  if (!enabled && !isOn) return false;
  if (isOn && current?.AttributeName) {
    await ddb.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { Enabled: false, AttributeName: current.AttributeName },
      }),
    );
  }
  if (enabled) {
    await ddb.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: attributeName! },
      }),
    );
  }
  return true;
}

function keyOf(schema: KeySchemaElement[]): string {
  return schema
    .map((k) => `${k.AttributeName}:${k.KeyType}`)
    .sort()
    .join(',');
}

// ---------------------------------------------------------------------------------------------
// Lambda

async function applyFunction({ logicalId, props, opts, ctx }: HandlerInput): Promise<Outcome> {
  const lambda = opts.clients.lambda;
  const name =
    optionalString(props.FunctionName, logicalId, 'FunctionName') ??
    `${ctx.stackName}-${logicalId}`.slice(0, 64);
  const zip = await functionZip(logicalId, props, opts.artifactDir, opts.clients.s3);
  const config = {
    FunctionName: name,
    Role: requiredString(props.Role, logicalId, 'Role'),
    Handler: optionalString(props.Handler, logicalId, 'Handler'),
    Runtime: optionalString(props.Runtime, logicalId, 'Runtime') as Runtime | undefined,
    Timeout: optionalNumber(props.Timeout, logicalId, 'Timeout'),
    MemorySize: optionalNumber(props.MemorySize, logicalId, 'MemorySize'),
    Description: optionalString(props.Description, logicalId, 'Description'),
    Environment: { Variables: environment(props.Environment, logicalId) },
    DeadLetterConfig: isObject(props.DeadLetterConfig)
      ? { TargetArn: optionalString(props.DeadLetterConfig.TargetArn, logicalId, 'TargetArn') }
      : undefined,
  };
  const defined = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

  const ignored = ignoredProperties(props, FUNCTION_PROPERTIES);
  let exists = true;
  try {
    await lambda.send(new GetFunctionCommand({ FunctionName: name }));
  } catch (err) {
    if (!isNotFound(err)) throw err;
    exists = false;
  }

  let arn: string | undefined;
  if (!exists) {
    const architectures = props.Architectures;
    const tags = tagList(props.Tags, logicalId);
    const out = await lambda.send(
      new CreateFunctionCommand(
        defined({
          ...config,
          Code: { ZipFile: zip },
          Architectures: Array.isArray(architectures)
            ? (architectures.map(String) as Architecture[])
            : undefined,
          Tags: tags.length > 0 ? Object.fromEntries(tags.map((t) => [t.Key, t.Value])) : undefined,
        }),
      ),
    );
    arn = out.FunctionArn;
  } else {
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip }));
    const out = await lambda.send(new UpdateFunctionConfigurationCommand(defined(config)));
    arn = out.FunctionArn;
  }
  arn ??= functionArn(ctx.region, ctx.accountId, name);
  return {
    physicalId: name,
    ref: name,
    attributes: { Arn: arn },
    status: exists ? 'UPDATED' : 'CREATED',
    ...(ignored ? { note: ignored } : {}),
  };
}

async function functionZip(
  logicalId: string,
  props: JsonObject,
  artifactDir: string,
  s3?: S3Client,
): Promise<Uint8Array> {
  const code = props.Code;
  if (!isObject(code)) throw new TemplateError(`resource ${logicalId}: Code is required`);
  if (s3 && typeof code.S3Bucket === 'string' && typeof code.S3Key === 'string') {
    // Like Lambda, read the code from the object the template names, as uploaded.
    const out = await s3.send(new GetObjectCommand({ Bucket: code.S3Bucket, Key: code.S3Key }));
    if (!out.Body) throw new Error(`s3://${code.S3Bucket}/${code.S3Key} has no body`);
    return out.Body.transformToByteArray();
  }
  if (typeof code.S3Key === 'string') {
    return readFile(await zipPath(logicalId, code.S3Key, artifactDir));
  }
  if (typeof code.ZipFile === 'string') {
    // CloudFormation puts inline source into an `index` file next to nothing else.
    const runtime = typeof props.Runtime === 'string' ? props.Runtime : '';
    const file = runtime.startsWith('python') ? 'index.py' : 'index.js';
    const zip = new JSZip();
    zip.file(file, code.ZipFile);
    return zip.generateAsync({ type: 'uint8array' });
  }
  throw new TemplateError(
    `resource ${logicalId}: Code must have S3Key (a zip in the artifact folder) or ZipFile`,
  );
}

function environment(value: Json | undefined, logicalId: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value))
    throw new TemplateError(`resource ${logicalId}: Environment must be an object`);
  const vars = value.Variables;
  if (vars === undefined || vars === null) return {};
  if (!isObject(vars)) {
    throw new TemplateError(`resource ${logicalId}: Environment.Variables must be an object`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) {
    if (typeof v === 'object' && v !== null) {
      throw new TemplateError(
        `resource ${logicalId}: Environment.Variables.${k} resolved to ${JSON.stringify(v)}, not a string`,
      );
    }
    out[k] = String(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Table properties CreateTable takes as they are. */
const CREATE_TABLE_PROPERTIES = [
  'AttributeDefinitions',
  'KeySchema',
  'BillingMode',
  'ProvisionedThroughput',
  'GlobalSecondaryIndexes',
  'LocalSecondaryIndexes',
  'TableClass',
  'DeletionProtectionEnabled',
  'Tags',
];

const TABLE_PROPERTIES = new Set([
  'TableName',
  ...CREATE_TABLE_PROPERTIES,
  'StreamSpecification',
  'SSESpecification',
  'TimeToLiveSpecification',
]);

const FUNCTION_PROPERTIES = new Set([
  'FunctionName',
  'Code',
  'Role',
  'Handler',
  'Runtime',
  'Timeout',
  'MemorySize',
  'Description',
  'Environment',
  'Architectures',
  'Tags',
  'DeadLetterConfig',
]);

/** Properties the emulator does not act on are reported rather than silently dropped. */
function ignoredProperties(props: JsonObject, known: Set<string>): string | undefined {
  const ignored = Object.keys(props).filter((k) => !known.has(k));
  return ignored.length > 0 ? `ignored properties: ${ignored.join(', ')}` : undefined;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNotFound(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.name === 'ResourceNotFoundException' || err.name === 'NotFoundException')
  );
}

function requiredString(v: Json | undefined, logicalId: string, prop: string): string {
  const s = optionalString(v, logicalId, prop);
  if (s === undefined) throw new TemplateError(`resource ${logicalId}: ${prop} is required`);
  return s;
}

function optionalString(v: Json | undefined, logicalId: string, prop: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TemplateError(
    `resource ${logicalId}: ${prop} must resolve to a string, got ${JSON.stringify(v)}`,
  );
}

function optionalNumber(v: Json | undefined, logicalId: string, prop: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new TemplateError(
      `resource ${logicalId}: ${prop} must be a number, got ${JSON.stringify(v)}`,
    );
  }
  return n;
}

function tagList(v: Json | undefined, logicalId: string): Array<{ Key: string; Value: string }> {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new TemplateError(`resource ${logicalId}: Tags must be a list`);
  return v.map((t, i) => {
    if (!isObject(t) || typeof t.Key !== 'string') {
      throw new TemplateError(`resource ${logicalId}: Tags[${i}] must have a string Key`);
    }
    return { Key: t.Key, Value: t.Value === undefined || t.Value === null ? '' : String(t.Value) };
  });
}
