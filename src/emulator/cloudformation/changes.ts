/**
 * What a change set reports: the resources a new template adds, modifies (and whether that
 * replaces them) and removes, compared with the template the stack was last deployed with. Pure.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Json, Template, TemplateResource } from './template.js';

export interface ResourceChange {
  action: 'Add' | 'Modify' | 'Remove';
  logicalId: string;
  type: string;
  /** Set for Modify and Remove: the resource as it exists. */
  physicalId?: string;
  /** For Modify: `True` when a new physical resource is needed, `False` when updated in place. */
  replacement?: 'True' | 'False' | 'Conditional';
  /** For Modify: `Properties`, `DeletionPolicy`, ... (AWS's change scopes). */
  scope?: string[];
  /** For Modify: the changed property names. */
  details?: string[];
}

/**
 * Properties whose change makes CloudFormation create a new physical resource (from each type's
 * "Update requires: Replacement" documentation), for the types the emulator deploys.
 */
const REPLACING_PROPERTIES: Record<string, string[]> = {
  'AWS::SNS::Topic': ['TopicName', 'FifoTopic'],
  'AWS::SNS::Subscription': ['Endpoint', 'Protocol', 'TopicArn'],
  'AWS::DynamoDB::Table': ['TableName', 'KeySchema', 'LocalSecondaryIndexes'],
  'AWS::Lambda::Function': ['FunctionName', 'PackageType'],
  'AWS::Lambda::Version': ['FunctionName', 'CodeSha256', 'Description'],
  'AWS::Lambda::Permission': ['Action', 'FunctionName', 'Principal', 'SourceArn', 'SourceAccount'],
  'AWS::S3::Bucket': ['BucketName', 'ObjectLockEnabled'],
  'AWS::S3::BucketPolicy': ['Bucket'],
  'AWS::IAM::Role': ['RoleName', 'Path'],
  'AWS::Logs::LogGroup': ['LogGroupName'],
  'AWS::SQS::Queue': ['QueueName', 'FifoQueue'],
  'AWS::Events::Rule': ['Name', 'EventBusName'],
};

export function diffTemplates(
  previous: Template | undefined,
  next: Template,
  physicalIds: Record<string, string> = {},
): ResourceChange[] {
  const before = previous?.Resources ?? {};
  const changes: ResourceChange[] = [];
  for (const [id, res] of Object.entries(next.Resources)) {
    const old = before[id];
    if (!old) {
      changes.push({ action: 'Add', logicalId: id, type: res.Type });
      continue;
    }
    const modified = modification(old, res);
    if (!modified) continue;
    changes.push({
      action: 'Modify',
      logicalId: id,
      type: res.Type,
      ...(physicalIds[id] !== undefined ? { physicalId: physicalIds[id] } : {}),
      ...modified,
    });
  }
  for (const [id, old] of Object.entries(before)) {
    if (!(id in next.Resources)) {
      changes.push({
        action: 'Remove',
        logicalId: id,
        type: old.Type,
        ...(physicalIds[id] !== undefined ? { physicalId: physicalIds[id] } : {}),
      });
    }
  }
  return changes;
}

function modification(
  old: TemplateResource,
  res: TemplateResource,
): Pick<ResourceChange, 'replacement' | 'scope' | 'details'> | undefined {
  if (old.Type !== res.Type) {
    return { replacement: 'True', scope: ['Properties'], details: ['Type'] };
  }
  const scope: string[] = [];
  const details: string[] = [];
  const oldProps = old.Properties ?? {};
  const newProps = res.Properties ?? {};
  for (const key of new Set([...Object.keys(oldProps), ...Object.keys(newProps)])) {
    if (!isDeepStrictEqual(oldProps[key], newProps[key])) details.push(key);
  }
  if (details.length > 0) scope.push('Properties');
  for (const key of ['DeletionPolicy', 'UpdateReplacePolicy', 'Metadata', 'Condition'] as const) {
    if (!isDeepStrictEqual(old[key] as Json | undefined, res[key] as Json | undefined)) {
      scope.push(key);
    }
  }
  if (scope.length === 0) return undefined;
  const replacing = REPLACING_PROPERTIES[res.Type] ?? [];
  const replaces = details.filter((d) => replacing.includes(d));
  let replacement: ResourceChange['replacement'] = 'False';
  if (replaces.length > 0) {
    // A change that only comes through a reference may resolve to the same value.
    const literal = replaces.some((d) => !hasIntrinsic(newProps[d]) && !hasIntrinsic(oldProps[d]));
    replacement = literal ? 'True' : 'Conditional';
  }
  return { replacement, scope, details };
}

function hasIntrinsic(value: Json | undefined): boolean {
  if (Array.isArray(value)) return value.some(hasIntrinsic);
  if (typeof value !== 'object' || value === null) return false;
  return (
    Object.keys(value).some((k) => k === 'Ref' || k.startsWith('Fn::')) ||
    Object.values(value).some(hasIntrinsic)
  );
}
