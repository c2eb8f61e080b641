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
import type { ResourceApplyStatus } from './model.js';
import { TemplateError, type JsonObject } from './template.js';
import {
  ignoredProperties,
  isObject,
  isNotFound,
  optionalString,
  ApplyError,
} from './apply-props.js';
import type { HandlerInput, Outcome } from './apply.js';

/** CloudFormation handler for DynamoDB tables (and their TTL). */
export async function applyTable({ logicalId, props, opts, ctx }: HandlerInput): Promise<Outcome> {
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
