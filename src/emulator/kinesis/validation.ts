/**
 * Value rules of the Kinesis API (lengths, patterns, ranges) that the model checks itself, so that
 * simulations calling the model directly get the same errors as SDK clients. Shapes and JSON types
 * are checked earlier, by the zod schemas of the wire protocol (schemas.ts).
 */
import { AwsError } from '../protocol/errors.js';
import { MAX_RECORD_BYTES } from './limits.js';
import { MAX_HASH_KEY } from './resharding.js';

const STREAM_NAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;

/** The 1-based JSON member path AWS uses in validation messages. */
export const constraint = (field: string, value: unknown, rule: string) =>
  new AwsError(
    'ValidationException',
    `1 validation error detected: Value ${value === undefined ? 'null' : `'${String(value)}'`} at '${field}' failed to satisfy constraint: ${rule}`,
  );

export const invalidArgument = (message: string) =>
  new AwsError('InvalidArgumentException', message);

export function validateStreamName(name: string, field: string): void {
  if (name.length < 1 || name.length > 128) {
    throw constraint(field, name, 'Member must have length between 1 and 128');
  }
  if (!STREAM_NAME_PATTERN.test(name)) {
    throw constraint(
      field,
      name,
      'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+',
    );
  }
}

export function validateInt(value: number, field: string, min: number, max: number): void {
  if (!Number.isInteger(value)) {
    throw constraint(field, value, 'Member must be an integer');
  }
  if (value < min) {
    throw constraint(field, value, `Member must have value greater than or equal to ${min}`);
  }
  if (value > max) {
    throw constraint(field, value, `Member must have value less than or equal to ${max}`);
  }
}

export function validateRecord(
  r: { Data: Uint8Array; PartitionKey: string; ExplicitHashKey?: string | undefined },
  prefix: string,
): void {
  if (r.PartitionKey.length < 1) {
    throw constraint(
      `${prefix}partitionKey`,
      r.PartitionKey,
      'Member must have length greater than or equal to 1',
    );
  }
  if (r.PartitionKey.length > 256) {
    throw constraint(
      `${prefix}partitionKey`,
      r.PartitionKey,
      'Member must have length less than or equal to 256',
    );
  }
  if (r.Data.length > MAX_RECORD_BYTES) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value at '${prefix}data' failed to satisfy constraint: Member must have length less than or equal to ${MAX_RECORD_BYTES}`,
    );
  }
  if (r.ExplicitHashKey !== undefined) {
    const ok = /^(0|[1-9]\d{0,38})$/.test(r.ExplicitHashKey);
    if (!ok || BigInt(r.ExplicitHashKey) > MAX_HASH_KEY) {
      throw invalidArgument(
        `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${r.ExplicitHashKey}`,
      );
    }
  }
}

/** AWS's tag alphabet: Unicode letters, digits, white space and `_ . / = + - % @` (and `:`). */
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-%@]*$/u;

export function validateTags(tags: Record<string, string>, field: string): void {
  for (const [k, v] of Object.entries(tags)) {
    if (!TAG_CHARS.test(k) || !TAG_CHARS.test(v)) {
      throw invalidArgument(
        'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.',
      );
    }
    if (k.toLowerCase().startsWith('aws:')) {
      throw invalidArgument(
        "Some tags start with 'aws:', which is reserved for AWS use and cannot be used in user tags.",
      );
    }
    if (k.length < 1 || k.length > 128) {
      throw constraint(`${field}.key`, k, 'Member must have length between 1 and 128');
    }
    if (v.length > 256) {
      throw constraint(`${field}.value`, v, 'Member must have length less than or equal to 256');
    }
  }
}

/** The index of a shard id in its long or short form (`shardId-000000000007`, `shardId-7`). */
export function shardIndexOf(id: string, field: string): number {
  const m = /^(?:[a-zA-Z0-9_.]*-)?(\d{1,20})$/.exec(id);
  if (!m) {
    throw constraint(field, id, 'Member must satisfy regular expression pattern: shardId-\\d+');
  }
  return Number(m[1]);
}
