import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { applyEventInvokeConfig, applyQueue, applyRule } from './apply-async.js';
import { applyTable } from './apply-dynamodb.js';
import { applyFunction, functionArn, zipPath } from './apply-lambda.js';
import { ApplyError, isObject } from './apply-props.js';
import { applySubscription, applyTopic } from './apply-sns.js';
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

export { ApplyError };

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
