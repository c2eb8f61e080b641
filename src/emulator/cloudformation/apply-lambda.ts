import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type Architecture,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import JSZip from 'jszip';
import { TemplateError, type Json, type JsonObject } from './template.js';
import {
  ignoredProperties,
  isObject,
  isNotFound,
  requiredString,
  optionalString,
  optionalNumber,
  tagList,
} from './apply-props.js';
import type { HandlerInput, Outcome } from './apply.js';

/** CloudFormation handler for Lambda functions, and where their code comes from. */
export function functionArn(region: string, accountId: string, name: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
}

export async function zipPath(
  logicalId: string,
  s3Key: string,
  artifactDir: string,
): Promise<string> {
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

export async function applyFunction({
  logicalId,
  props,
  opts,
  ctx,
}: HandlerInput): Promise<Outcome> {
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
