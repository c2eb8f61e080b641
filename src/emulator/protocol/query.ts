import { XMLBuilder } from 'fast-xml-parser';
import { AwsError, toAwsError } from './errors.js';
import type { AwsRequest, AwsResponse } from './types.js';

/** The Query protocol's flat form parameters, from the body (POST) or the URL (GET). */
export function queryParams(req: AwsRequest): URLSearchParams {
  const fromBody = new URLSearchParams(req.body.toString('utf8'));
  for (const [k, v] of req.query) if (!fromBody.has(k)) fromBody.set(k, v);
  return fromBody;
}

/** AWS's deepest Query keys (CloudWatch alarm metrics with dimensions) have under ten parts. */
const MAX_KEY_SEGMENTS = 24;
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

export type QueryValue = string | QueryValue[] | { [key: string]: QueryValue };

/**
 * Turns flat Query parameters into nested values: `A.member.2.B=x` becomes `{A: [, {B: 'x'}]}` and
 * `Attributes.entry.1.key=k&Attributes.entry.1.value=v` becomes `{Attributes: [{key, value}]}`.
 * Lists keep AWS's 1-based order and drop gaps, so a malformed index cannot create holes.
 */
export function decodeQuery(params: URLSearchParams): Record<string, QueryValue> {
  // Null-prototype nodes: a key like `__proto__.x` must not reach Object.prototype.
  const root: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of params) {
    if (key === 'Action' || key === 'Version') continue;
    const parts = key.split('.');
    if (parts.length > MAX_KEY_SEGMENTS) {
      throw new AwsError(
        'MalformedQueryString',
        `Parameter name ${key.slice(0, 80)}... has more than ${MAX_KEY_SEGMENTS} parts`,
      );
    }
    if (parts.some((p) => FORBIDDEN_SEGMENTS.has(p))) {
      throw new AwsError('MalformedQueryString', `Parameter name ${key.slice(0, 80)} is not valid`);
    }
    let node: Record<string, unknown> = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const last = i === parts.length - 1;
      const isListMarker =
        (part === 'member' || part === 'entry') && /^\d+$/.test(parts[i + 1] ?? '');
      if (isListMarker) {
        // Represent a list as an object keyed by index; converted to an array afterwards.
        const idx = `#${parts[i + 1]}`;
        i++;
        const isLeaf = i === parts.length - 1;
        if (isLeaf) {
          node[idx] = value;
        } else {
          // A value already at this index (`A.member.1=x` before `A.member.1.B=y`) gives way, as
          // a plain key does below; writing a field onto a string would throw.
          if (typeof node[idx] !== 'object' || node[idx] === null) node[idx] = Object.create(null);
          node = node[idx] as Record<string, unknown>;
        }
        continue;
      }
      if (last) {
        node[part] = value;
      } else {
        if (typeof node[part] !== 'object' || node[part] === null) node[part] = Object.create(null);
        node = node[part] as Record<string, unknown>;
      }
    }
  }
  return listify(root) as Record<string, QueryValue>;
}

function listify(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length > 0 && keys.every((k) => k.startsWith('#'))) {
    return keys
      .map((k) => [Number(k.slice(1)), obj[k]] as const)
      .sort((a, b) => a[0] - b[0])
      .map(([, v]) => listify(v));
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    // A key mixing list members and fields is malformed; keep the fields and drop the members.
    if (!k.startsWith('#')) out[k] = listify(obj[k]);
  }
  return out;
}

const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: true, format: false });

/**
 * Serialises a Query response. Arrays become `<member>` lists, as AWS writes them; `undefined`
 * fields are left out.
 */
export function xmlResponse(
  action: string,
  result: Record<string, unknown> | undefined,
  requestId: string,
  xmlns: string,
): AwsResponse {
  const body: Record<string, unknown> = {
    [`${action}Response`]: {
      '@_xmlns': xmlns,
      ...(result === undefined ? {} : { [`${action}Result`]: toXmlShape(result) }),
      ResponseMetadata: { RequestId: requestId },
    },
  };
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(body)}`,
  };
}

function toXmlShape(value: unknown): unknown {
  if (Array.isArray(value)) return { member: value.map(toXmlShape) };
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toXmlShape(v);
    return out;
  }
  return value;
}

export function queryErrorResponse(err: unknown, requestId: string, xmlns?: string): AwsResponse {
  const e = toAwsError(err);
  const body = {
    ErrorResponse: {
      ...(xmlns ? { '@_xmlns': xmlns } : {}),
      Error: { Type: e.faultType, Code: e.code, Message: e.message },
      RequestId: requestId,
    },
  };
  return {
    status: e.status,
    headers: { 'content-type': 'text/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(body)}`,
  };
}
