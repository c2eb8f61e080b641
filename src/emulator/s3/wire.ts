import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import type { IncomingHttpHeaders } from 'node:http';
import { AwsError, toAwsError } from '../protocol/errors.js';
import type { AwsResponse } from '../protocol/types.js';
import { S3Error } from './model.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: false });
const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });

/** An S3 XML document: `{Root: {...}}` with S3's namespace on the root element. */
export function xmlBody(root: string, content: Record<string, unknown>, status = 200): AwsResponse {
  const body = builder.build({ [root]: { '@_xmlns': S3_XMLNS, ...content } }) as string;
  return {
    status,
    headers: { 'content-type': 'application/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  };
}

export function parseXml(body: Buffer, what: string): Record<string, unknown> {
  try {
    const parsed = parser.parse(body.toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new AwsError(
    'MalformedXML',
    `The XML you provided was not well-formed or did not validate against our published schema (${what})`,
  );
}

/** S3's error document; HEAD responses carry no body, so only the status tells. */
export function s3ErrorResponse(err: unknown, requestId: string, head: boolean): AwsResponse {
  const e = toAwsError(err);
  if (head) return { status: e.status, headers: { 'x-amz-error-code': e.code }, body: '' };
  const extra = e instanceof S3Error ? e.extra : {};
  const body = builder.build({
    Error: { Code: e.code, Message: e.message, ...extra, RequestId: requestId, HostId: requestId },
  }) as string;
  return {
    status: e.status,
    headers: { 'content-type': 'application/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  };
}

/**
 * The payload of a request: as sent, or decoded from `aws-chunked` (SigV4 streaming uploads and
 * the trailing-checksum uploads of current SDKs and the AWS CLI). Trailers are returned as headers.
 */
export function decodePayload(
  body: Buffer,
  headers: IncomingHttpHeaders,
): { payload: Buffer; trailers: Record<string, string> } {
  const sha = String(headers['x-amz-content-sha256'] ?? '');
  const encoding = String(headers['content-encoding'] ?? '');
  if (
    !sha.startsWith('STREAMING-') &&
    !encoding.split(',').some((e) => e.trim() === 'aws-chunked')
  ) {
    return { payload: body, trailers: {} };
  }
  const parts: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) throw incomplete();
    const header = body.subarray(at, eol).toString('latin1');
    const size = Number.parseInt(header.split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size < 0) throw incomplete();
    at = eol + 2;
    if (size === 0) break;
    if (at + size > body.length) throw incomplete();
    parts.push(body.subarray(at, at + size));
    at += size + 2;
  }
  for (const line of body.subarray(at).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0)
      trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { payload: Buffer.concat(parts), trailers };
}

const incomplete = () =>
  new AwsError('IncompleteBody', 'The request body is not valid aws-chunked encoding', 400);
