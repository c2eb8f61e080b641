/**
 * The CBOR wire format of AWS's JSON-protocol services (`application/x-amz-cbor-1.1`), which the
 * AWS SDK for Java (and so the KCL and KPL) uses for Kinesis by default: the same members as the
 * JSON protocol, with blobs as byte strings and timestamps as CBOR tag 1 (epoch seconds).
 * Encoding and decoding are the `cbor2` library's.
 */
import { decode, encode, Tag } from 'cbor2';
import { AwsError, toAwsError } from './errors.js';
import type { AwsRequest, AwsResponse } from './types.js';

export const CBOR_CONTENT_TYPE = 'application/x-amz-cbor-1.1';

export const isCbor = (req: AwsRequest) =>
  String(req.headers['content-type'] ?? '').startsWith(CBOR_CONTENT_TYPE);

/** Decodes a request body; anything but a map is a SerializationException, as in JSON. */
export function parseCborBody(req: AwsRequest): Record<string, unknown> {
  let value: unknown;
  try {
    value = decode(req.body);
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid CBOR');
  }
  if (value instanceof Map) value = Object.fromEntries(value);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AwsError('SerializationException', 'The request body must be a CBOR map');
  }
  return normalise(value) as Record<string, unknown>;
}

/** Large integers decode as bigint and maps may decode as Map; give the model plain values. */
function normalise(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Uint8Array || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map(normalise);
  if (value instanceof Map) value = Object.fromEntries(value);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalise(v);
    return out;
  }
  return value;
}

/**
 * Drops undefined members (CBOR would encode them as `undefined`) and writes dates as tag 1 with
 * fractional epoch seconds, so millisecond arrival times survive.
 */
function prune(value: unknown): unknown {
  // A Buffer is a Uint8Array but the encoder would tag it; send the plain byte string.
  if (value instanceof Uint8Array)
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof Date) return new Tag(1, value.getTime() / 1000);
  if (Array.isArray(value)) return value.map(prune);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = prune(v);
    return out;
  }
  return value;
}

export function cborResponse(result: unknown, status = 200): AwsResponse {
  return {
    status,
    headers: { 'content-type': CBOR_CONTENT_TYPE },
    body: Buffer.from(encode(prune(result ?? {}))),
  };
}

export function cborErrorResponse(err: unknown): AwsResponse {
  const e = toAwsError(err);
  const response = cborResponse({ __type: e.code, message: e.message }, e.status);
  response.headers!['x-amzn-errortype'] = e.code;
  return response;
}
