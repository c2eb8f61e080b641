/**
 * CloudFormation's rules that need no state: template parsing as the API reports its errors, stack
 * names, the capabilities a template needs, outputs, and where a TemplateURL points. Pure.
 */
import type { ObjectReader } from '../contracts.js';
import { AwsError } from '../protocol/errors.js';
import type { StackOutput, StackRecord } from './model.js';
import {
  isIncluded,
  parseTemplate,
  resolveString,
  resolveValue,
  TemplateError,
  type ResolveContext,
  type Template,
} from './template.js';

export const STACK_TYPE = 'AWS::CloudFormation::Stack';
const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;

/** The template a request names: its body, or the S3 object its TemplateURL points at. */
export function readTemplateBody(
  input: { templateBody?: string | undefined; templateUrl?: string | undefined },
  objects: ObjectReader,
): string {
  if (input.templateBody !== undefined) return input.templateBody;
  if (input.templateUrl === undefined) {
    throw new AwsError(
      'ValidationError',
      'Either Template URL or Template Body must be specified.',
    );
  }
  const location = s3Location(input.templateUrl);
  if (!location) {
    throw new AwsError('ValidationError', 'TemplateURL must be a supported URL.');
  }
  const body = objects.readObject(location.bucket, location.key);
  if (body === undefined) {
    throw new AwsError(
      'ValidationError',
      `S3 error: The specified key does not exist. (s3://${location.bucket}/${location.key})`,
    );
  }
  return body.toString('utf8');
}

export function stackEvent(stack: StackRecord, status: string, reason?: string) {
  return {
    logicalId: stack.stackName,
    physicalId: stack.stackId,
    type: STACK_TYPE,
    status,
    ...(reason !== undefined ? { reason } : {}),
  };
}

export function stackOutputs(template: Template, ctx: ResolveContext): StackOutput[] {
  const outputs: StackOutput[] = [];
  for (const [key, out] of Object.entries(template.Outputs ?? {})) {
    if (!isIncluded(out.Condition, ctx.conditions, `output ${key}`)) continue;
    const v = resolveValue(out.Value, ctx, `output ${key}`);
    const value = Array.isArray(v)
      ? v.map(String).join(',')
      : resolveString(v, ctx, `output ${key}`);
    const detail: StackOutput = { key, value };
    if (out.Description !== undefined) detail.description = out.Description;
    if (out.Export) detail.exportName = resolveString(out.Export.Name, ctx, `output ${key} Export`);
    outputs.push(detail);
  }
  return outputs;
}

export function parse(body: string): Template {
  try {
    return parseTemplate(body);
  } catch (err) {
    if (err instanceof TemplateError) {
      throw new AwsError('ValidationError', `Template format error: ${err.message}`);
    }
    throw err;
  }
}

export function checkName(name: string): void {
  if (!STACK_NAME.test(name)) {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '${name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*`,
    );
  }
}

/** IAM resources need CAPABILITY_IAM, or CAPABILITY_NAMED_IAM when they are given names. */
export function requiredCapabilities(template: Template): string[] {
  let iam = false;
  let named = false;
  for (const res of Object.values(template.Resources)) {
    if (!res.Type.startsWith('AWS::IAM::')) continue;
    iam = true;
    const p = res.Properties ?? {};
    if (
      p.RoleName !== undefined ||
      p.UserName !== undefined ||
      p.GroupName !== undefined ||
      p.ManagedPolicyName !== undefined
    ) {
      named = true;
    }
  }
  return named ? ['CAPABILITY_NAMED_IAM'] : iam ? ['CAPABILITY_IAM'] : [];
}

/** `https://s3.amazonaws.com/bucket/key`, `https://bucket.s3.<region>.amazonaws.com/key`, or the
 * emulator's own path-style URL (`http://127.0.0.1:4566/bucket/key`). */
export function s3Location(url: string): { bucket: string; key: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const path = parsed.pathname
    .split('/')
    .slice(1)
    .map((s) => decodeURIComponent(s));
  const virtual = /^(.+?)\.s3[.-]/.exec(parsed.hostname);
  if (virtual) return path.length > 0 ? { bucket: virtual[1]!, key: path.join('/') } : undefined;
  if (path.length < 2) return undefined;
  return { bucket: path[0]!, key: path.slice(1).join('/') };
}
