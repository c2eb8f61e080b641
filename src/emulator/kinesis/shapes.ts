/**
 * The request shapes of the Kinesis API and how AWS checks them, in two passes:
 *
 * 1. JSON types, member by member: a value of the wrong type fails the whole request with a
 *    `SerializationException` worded as AWS's Java deserialiser words it.
 * 2. Constraints: every violation is collected, in the order AWS lists members and their
 *    constraints, into one `N validation errors detected: ...` ValidationException (at most 10).
 *
 * zod (used by the other services) cannot produce either AWS wording or order, so this is a small
 * table-driven checker. Value rules that need state (stream exists, ranges) stay in the model.
 */
import { AwsError } from '../protocol/errors.js';

type Scalar = 'String' | 'Integer' | 'Long' | 'Boolean' | 'Blob' | 'Timestamp';

export interface Member {
  type: Scalar | 'List' | 'Map' | 'Structure';
  notNull?: boolean;
  /** Not null unless one of these members is present (StreamName may give way to StreamARN). */
  notNullUnless?: string[];
  min?: number;
  max?: number;
  regex?: string;
  minLength?: number;
  maxLength?: number;
  enum?: string[];
  /** List items or map values. */
  member?: Member;
  /** Map keys' length rule, as AWS words it for maps. */
  keyLength?: [number, number];
  valueLength?: [number, number];
  /** Structure members, in AWS's order. */
  members?: Record<string, Member>;
  /** How a list of structures is echoed in messages. */
  memberStr?: string;
}

export type Shape = Record<string, Member>;

const NAME_REGEX = '[a-zA-Z0-9_.-]+';
const ARN_REGEX = 'arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+';
const SEQUENCE_REGEX = '0|([1-9]\\d{0,128})';
const HASH_KEY_REGEX = '0|([1-9]\\d{0,38})';

const streamName: Member = {
  type: 'String',
  notNullUnless: ['StreamARN'],
  regex: NAME_REGEX,
  minLength: 1,
  maxLength: 128,
};
const optionalStreamName: Member = {
  type: 'String',
  regex: NAME_REGEX,
  minLength: 1,
  maxLength: 128,
};
const streamArn: Member = { type: 'String', minLength: 1, maxLength: 2048, regex: ARN_REGEX };
const requiredArn: Member = { ...streamArn, notNull: true };
const resourceArn: Member = { type: 'String', notNull: true, minLength: 1, maxLength: 2048 };
const shardId: Member = {
  type: 'String',
  notNull: true,
  regex: NAME_REGEX,
  minLength: 1,
  maxLength: 128,
};
const optionalShardId: Member = { type: 'String', regex: NAME_REGEX, minLength: 1, maxLength: 128 };
const limit = (max: number): Member => ({ type: 'Integer', min: 1, max });
const nextToken: Member = { type: 'String', minLength: 1, maxLength: 1_048_576 };
const tags: Member = {
  type: 'Map',
  notNull: true,
  minLength: 1,
  maxLength: 200,
  member: { type: 'String' },
  keyLength: [1, 128],
  valueLength: [0, 256],
};
const tagKeys: Member = {
  type: 'List',
  notNull: true,
  minLength: 1,
  maxLength: 50,
  member: { type: 'String', minLength: 1, maxLength: 128 },
};
const streamMode: Member = {
  type: 'Structure',
  members: { StreamMode: { type: 'String', notNull: true, enum: ['PROVISIONED', 'ON_DEMAND'] } },
};
const consumerName: Member = { type: 'String', regex: NAME_REGEX, minLength: 1, maxLength: 128 };
const consumerArn: Member = { type: 'String', minLength: 1, maxLength: 2048 };
export const SHARD_LEVEL_METRIC_NAMES = [
  'IncomingBytes',
  'IncomingRecords',
  'OutgoingBytes',
  'OutgoingRecords',
  'WriteProvisionedThroughputExceeded',
  'ReadProvisionedThroughputExceeded',
  'IteratorAgeMilliseconds',
  'ALL',
];
const shardLevelMetrics: Member = {
  type: 'List',
  notNull: true,
  minLength: 1,
  maxLength: 7,
  member: { type: 'String', enum: SHARD_LEVEL_METRIC_NAMES },
};
const retention: Member = { type: 'Integer', notNull: true, min: 1, max: 8760 };

export const SHAPES = {
  CreateStream: {
    ShardCount: { type: 'Integer', notNullUnless: ['StreamModeDetails'], min: 1, max: 100_000 },
    StreamName: { ...optionalStreamName, notNull: true },
    StreamModeDetails: streamMode,
    Tags: { ...tags, notNull: false, minLength: 0, maxLength: 50 },
  },
  DeleteStream: {
    StreamName: streamName,
    EnforceConsumerDeletion: { type: 'Boolean' },
    StreamARN: streamArn,
  },
  DescribeStream: {
    Limit: limit(10_000),
    ExclusiveStartShardId: optionalShardId,
    StreamName: streamName,
    StreamARN: streamArn,
  },
  DescribeStreamSummary: { StreamName: streamName, StreamARN: streamArn },
  DescribeLimits: {},
  ListStreams: {
    Limit: limit(10_000),
    ExclusiveStartStreamName: optionalStreamName,
    NextToken: nextToken,
  },
  ListShards: {
    ExclusiveStartShardId: optionalShardId,
    MaxResults: limit(10_000),
    NextToken: nextToken,
    StreamCreationTimestamp: { type: 'Timestamp' },
    StreamName: optionalStreamName,
    ShardFilter: {
      type: 'Structure',
      members: {
        Type: {
          type: 'String',
          notNull: true,
          enum: [
            'AFTER_SHARD_ID',
            'AT_TRIM_HORIZON',
            'FROM_TRIM_HORIZON',
            'AT_LATEST',
            'AT_TIMESTAMP',
            'FROM_TIMESTAMP',
          ],
        },
        ShardId: optionalShardId,
        Timestamp: { type: 'Timestamp' },
      },
    },
    StreamARN: streamArn,
  },
  UpdateShardCount: {
    ScalingType: { type: 'String', notNull: true, enum: ['UNIFORM_SCALING'] },
    StreamName: streamName,
    TargetShardCount: { type: 'Integer', notNull: true, min: 1, max: 100_000 },
    StreamARN: streamArn,
  },
  PutRecord: {
    SequenceNumberForOrdering: { type: 'String', regex: SEQUENCE_REGEX },
    PartitionKey: { type: 'String', notNull: true, minLength: 1, maxLength: 256 },
    ExplicitHashKey: { type: 'String', regex: HASH_KEY_REGEX },
    Data: { type: 'Blob', notNull: true, maxLength: 1_048_576 },
    StreamName: streamName,
    StreamARN: streamArn,
  },
  PutRecords: {
    Records: {
      type: 'List',
      notNull: true,
      minLength: 1,
      maxLength: 500,
      memberStr: 'com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry',
      member: {
        type: 'Structure',
        members: {
          Data: { type: 'Blob', notNull: true, maxLength: 1_048_576 },
          ExplicitHashKey: { type: 'String', regex: HASH_KEY_REGEX },
          PartitionKey: { type: 'String', notNull: true, minLength: 1, maxLength: 256 },
        },
      },
    },
    StreamName: streamName,
    StreamARN: streamArn,
  },
  GetShardIterator: {
    ShardId: shardId,
    ShardIteratorType: {
      type: 'String',
      notNull: true,
      enum: [
        'AFTER_SEQUENCE_NUMBER',
        'LATEST',
        'AT_TIMESTAMP',
        'AT_SEQUENCE_NUMBER',
        'TRIM_HORIZON',
      ],
    },
    StartingSequenceNumber: { type: 'String', regex: SEQUENCE_REGEX },
    StreamName: streamName,
    Timestamp: { type: 'Timestamp' },
    StreamARN: streamArn,
  },
  GetRecords: {
    Limit: limit(10_000),
    ShardIterator: { type: 'String', notNull: true, minLength: 1, maxLength: 512 },
    StreamARN: streamArn,
  },
  AddTagsToStream: {
    Tags: { ...tags, maxLength: 10 },
    StreamName: streamName,
    StreamARN: streamArn,
  },
  RemoveTagsFromStream: {
    StreamName: streamName,
    TagKeys: { ...tagKeys, maxLength: 10 },
    StreamARN: streamArn,
  },
  ListTagsForStream: {
    ExclusiveStartTagKey: { type: 'String', minLength: 1, maxLength: 128 },
    Limit: limit(50),
    StreamName: streamName,
    StreamARN: streamArn,
  },
  TagResource: { Tags: tags, ResourceARN: resourceArn },
  UntagResource: { TagKeys: tagKeys, ResourceARN: resourceArn },
  ListTagsForResource: { ResourceARN: resourceArn },
  SplitShard: {
    NewStartingHashKey: { type: 'String', notNull: true, regex: HASH_KEY_REGEX },
    StreamName: streamName,
    ShardToSplit: shardId,
    StreamARN: streamArn,
  },
  MergeShards: {
    ShardToMerge: shardId,
    AdjacentShardToMerge: shardId,
    StreamName: streamName,
    StreamARN: streamArn,
  },
  IncreaseStreamRetentionPeriod: {
    RetentionPeriodHours: retention,
    StreamName: streamName,
    StreamARN: streamArn,
  },
  DecreaseStreamRetentionPeriod: {
    RetentionPeriodHours: retention,
    StreamName: streamName,
    StreamARN: streamArn,
  },
  EnableEnhancedMonitoring: {
    ShardLevelMetrics: shardLevelMetrics,
    StreamName: streamName,
    StreamARN: streamArn,
  },
  DisableEnhancedMonitoring: {
    ShardLevelMetrics: shardLevelMetrics,
    StreamName: streamName,
    StreamARN: streamArn,
  },
  UpdateStreamMode: {
    StreamARN: requiredArn,
    StreamModeDetails: { ...streamMode, notNull: true },
  },
  RegisterStreamConsumer: {
    StreamARN: requiredArn,
    ConsumerName: { ...consumerName, notNull: true },
  },
  DescribeStreamConsumer: {
    StreamARN: streamArn,
    ConsumerName: consumerName,
    ConsumerARN: consumerArn,
  },
  DeregisterStreamConsumer: {
    StreamARN: streamArn,
    ConsumerName: consumerName,
    ConsumerARN: consumerArn,
  },
  ListStreamConsumers: {
    StreamARN: requiredArn,
    NextToken: nextToken,
    MaxResults: limit(10_000),
    StreamCreationTimestamp: { type: 'Timestamp' },
  },
} satisfies Record<string, Shape>;

export type Operation = keyof typeof SHAPES;

const serialization = (message: string) => {
  const e = new AwsError('SerializationException', message);
  return e;
};

const NUMBER = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';

function structuralError(value: unknown): AwsError | undefined {
  if (Array.isArray(value)) return serialization('Start of list found where not expected');
  if (typeof value === 'object' && value !== null)
    return serialization('Start of structure or map found where not expected.');
  return undefined;
}

/**
 * Decodes a base64 blob, or throws the SerializationException AWS answers for a string that is not
 * canonical base64. Node's decoder skips characters outside the alphabet and stops at padding, so
 * the decoded length tells valid input apart at no extra cost (a record's data is checked on every
 * put); the precise search only runs to word the error.
 */
const blobError = (s: string, why: string) =>
  serialization(
    `'${s.length > 200 ? `${s.slice(0, 200)}...` : s}' can not be converted to a Blob: ${why}`,
  );

function decodeBase64(s: string): Buffer {
  if (s.length % 4 !== 0) {
    throw blobError(
      s,
      `Base64 encoded length is expected a multiple of 4 bytes but found: ${s.length}`,
    );
  }
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const decoded = Buffer.from(s, 'base64');
  if (
    decoded.length !== (s.length / 4) * 3 - pad ||
    /[^A-Za-z0-9+/]/.test(s.slice(-4, -pad || undefined))
  ) {
    const bad = /[^A-Za-z0-9+/=]|=[^=]/.exec(s);
    if (bad) throw blobError(s, `Invalid Base64 character: '${bad[0][0]}'`);
  }
  if (pad > 0) {
    const c = s.charCodeAt(s.length - pad - 1);
    const v =
      c >= 65 && c <= 90
        ? c - 65
        : c >= 97 && c <= 122
          ? c - 71
          : c >= 48 && c <= 57
            ? c + 4
            : c === 43
              ? 62
              : 63;
    if ((pad === 1 && (v & 3) !== 0) || (pad === 2 && (v & 15) !== 0)) {
      throw blobError(s, 'Invalid last non-pad Base64 character dectected');
    }
  }
  return decoded;
}

/** Pass 1: types. Returns the request with blobs decoded and timestamps as Dates. */
function convert(value: unknown, m: Member): unknown {
  if (value === null || value === undefined) return undefined;
  switch (m.type) {
    case 'String':
      if (typeof value === 'string') return value;
      if (typeof value === 'boolean')
        throw serialization('class java.lang.Boolean can not be converted to an String');
      if (typeof value === 'number')
        throw serialization(`${NUMBER} can not be converted to an String`);
      throw structuralError(value)!;
    case 'Integer':
    case 'Long':
      if (typeof value === 'number') return Math.floor(value);
      if (typeof value === 'string')
        throw serialization(`class java.lang.String can not be converted to an ${m.type}`);
      if (typeof value === 'boolean')
        throw serialization(`class java.lang.Boolean can not be converted to an ${m.type}`);
      throw structuralError(value)!;
    case 'Boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string')
        throw serialization(`'${value.toUpperCase()}' can not be converted to an Boolean`);
      if (typeof value === 'number')
        throw serialization(`${NUMBER} can not be converted to an Boolean`);
      throw structuralError(value)!;
    case 'Blob':
      if (value instanceof Uint8Array) return value;
      if (typeof value === 'string') return decodeBase64(value);
      if (typeof value === 'boolean')
        throw serialization('class java.lang.Boolean can not be converted to a Blob');
      if (typeof value === 'number')
        throw serialization(`${NUMBER} can not be converted to a Blob`);
      throw structuralError(value)!;
    case 'Timestamp': {
      if (value instanceof Date) return value;
      if (typeof value === 'number') return new Date(value * 1000);
      if (typeof value === 'string') {
        const d = /^\d+(\.\d+)?$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
        if (!Number.isNaN(d.getTime())) return d;
        throw serialization(
          `class java.lang.String can not be converted to a Timestamp: '${value}'`,
        );
      }
      if (typeof value === 'boolean')
        throw serialization('class java.lang.Boolean can not be converted to a Timestamp');
      throw structuralError(value)!;
    }
    case 'List':
      if (!Array.isArray(value)) {
        if (typeof value === 'object')
          throw serialization('Start of structure or map found where not expected.');
        throw serialization('Expected list or null');
      }
      return value.map((v) => convert(v, m.member!));
    case 'Map': {
      if (Array.isArray(value)) throw serialization('Start of list found where not expected');
      if (typeof value !== 'object') throw serialization('Expected map or null');
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const c = convert(v, m.member!);
        if (c !== undefined) out[k] = c;
      }
      return out;
    }
    case 'Structure': {
      if (Array.isArray(value)) throw serialization('Start of list found where not expected');
      if (typeof value !== 'object') throw serialization('Expected null');
      return convertStructure(value as Record<string, unknown>, m.members!);
    }
  }
}

function convertStructure(value: Record<string, unknown>, members: Shape): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(members)) {
    const c = convert(value[name], m);
    if (c !== undefined) out[name] = c;
  }
  return out;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

function shown(value: unknown, m: Member): string {
  if (value === undefined) return 'null';
  let text: string;
  if (m.type === 'Blob') {
    const n = (value as Uint8Array).length;
    text = `java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]`;
  } else if (m.type === 'List') {
    text = `[${(value as unknown[]).map((v) => m.memberStr ?? String(v)).join(', ')}]`;
  } else if (m.type === 'Map') {
    text = `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ')}}`;
  } else if (m.type === 'Structure') {
    text = JSON.stringify(value);
  } else {
    text = value instanceof Date ? String(value.getTime() / 1000) : String(value);
  }
  return `'${text}'`;
}

const MAX_ERRORS = 10;

const regexes = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
  let r = regexes.get(pattern);
  if (!r) {
    r = new RegExp(`^(?:${pattern})$`);
    regexes.set(pattern, r);
  }
  return r;
}

function violation(errors: string[], path: string, value: unknown, m: Member, rule: string): void {
  if (errors.length < MAX_ERRORS)
    errors.push(`Value ${shown(value, m)} at '${path}' failed to satisfy constraint: ${rule}`);
}

/** Pass 2: constraints, AWS's order, every violation (up to 10). */
function checkMember(
  errors: string[],
  path: string,
  value: unknown,
  m: Member,
  siblings: Record<string, unknown>,
): void {
  // No closure here: this runs for every member of every record.
  if (value === undefined) {
    const required =
      m.notNull === true ||
      (m.notNullUnless !== undefined && m.notNullUnless.every((k) => siblings[k] === undefined));
    if (required) violation(errors, path, value, m, 'Member must not be null');
    return;
  }
  if (m.min !== undefined && (value as number) < m.min)
    violation(errors, path, value, m, `Member must have value greater than or equal to ${m.min}`);
  if (m.max !== undefined && (value as number) > m.max)
    violation(errors, path, value, m, `Member must have value less than or equal to ${m.max}`);
  if (m.regex !== undefined && !compiled(m.regex).test(value as string))
    violation(errors, path, value, m, `Member must satisfy regular expression pattern: ${m.regex}`);
  const length =
    m.type === 'Map' ? Object.keys(value as object).length : (value as { length: number }).length;
  if (m.minLength !== undefined && length < m.minLength)
    violation(
      errors,
      path,
      value,
      m,
      `Member must have length greater than or equal to ${m.minLength}`,
    );
  if (m.maxLength !== undefined && length > m.maxLength)
    violation(
      errors,
      path,
      value,
      m,
      `Member must have length less than or equal to ${m.maxLength}`,
    );
  if (m.enum !== undefined && !m.enum.includes(value as string))
    violation(errors, path, value, m, `Member must satisfy enum value set: [${m.enum.join(', ')}]`);
  if (m.type === 'Map') {
    const entries = Object.entries(value as Record<string, string>);
    if (
      m.keyLength &&
      entries.some(([k]) => k.length < m.keyLength![0] || k.length > m.keyLength![1])
    )
      violation(
        errors,
        path,
        value,
        m,
        `Map keys must satisfy constraint: [Member must have length less than or equal to ${m.keyLength[1]}, Member must have length greater than or equal to ${m.keyLength[0]}]`,
      );
    if (
      m.valueLength &&
      entries.some(([, v]) => v.length < m.valueLength![0] || v.length > m.valueLength![1])
    )
      violation(
        errors,
        path,
        value,
        m,
        `Map value must satisfy constraint: [Member must have length less than or equal to ${m.valueLength[1]}, Member must have length greater than or equal to ${m.valueLength[0]}]`,
      );
  }
  if (m.type === 'List' && m.member) {
    const items = value as unknown[];
    for (let i = 0; i < items.length && errors.length < MAX_ERRORS; i++) {
      checkMember(errors, `${path}.${i + 1}.member`, items[i], m.member, {});
    }
  }
  if (m.type === 'Structure' && m.members) {
    checkStructure(errors, `${path}.`, value as Record<string, unknown>, m.members);
  }
}

function checkStructure(
  errors: string[],
  prefix: string,
  value: Record<string, unknown>,
  members: Shape,
): void {
  for (const [name, m] of Object.entries(members)) {
    if (errors.length >= MAX_ERRORS) return;
    checkMember(errors, `${prefix}${lowerFirst(name)}`, value[name], m, value);
  }
}

/**
 * Checks a decoded request body against its operation's shape and returns the typed input, or
 * throws the SerializationException / ValidationException AWS would answer.
 */
export function checkRequest(
  op: Operation,
  body: Record<string, unknown>,
): Record<string, unknown> {
  const shape: Shape = SHAPES[op];
  const input = convertStructure(body, shape);
  const errors: string[] = [];
  checkStructure(errors, '', input, shape);
  if (errors.length > 0) {
    const n = errors.length;
    throw new AwsError(
      'ValidationException',
      `${n} validation error${n === 1 ? '' : 's'} detected: ${errors.join('; ')}`,
    );
  }
  return input;
}
