import type http from 'node:http';
import { PassThrough } from 'node:stream';
import dynalite from 'dynalite';
import type { RawEndpoint } from '../protocol/types.js';

export interface DynamoDbEndpointOptions {
  /** Account id written into table ARNs. */
  accountId?: string;
  /** Region used for unsigned requests (dynalite itself rejects those, as AWS does). */
  defaultRegion?: string;
}

const TARGET_PREFIX = 'DynamoDB_20120810.';
const CREDENTIAL_SCOPE = /Credential=[^/]*\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;
const CONTENT_TYPE = 'application/x-amz-json-1.0';
const ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#';
/** DynamoDB's own request size limit, as dynalite enforces it. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

interface TtlState {
  attributeName: string;
  /** TTL belongs to one incarnation of a table: a deleted and recreated table starts disabled. */
  tableId: string;
}

interface InternalResult {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Serves DynamoDB with dynalite, in process and in memory.
 *
 * Dynalite keeps one store per instance and ignores the region of the SigV4 scope: it reads the
 * region and account for table ARNs from `AWS_REGION`/`AWS_ACCOUNT_ID` once, when the instance is
 * created. So this endpoint keeps one dynalite instance per region, created lazily with those
 * variables set, which keeps tables of different regions apart and gives them correct ARNs.
 *
 * Requests go straight into dynalite's request listener (no second port). Dynalite does not
 * implement UpdateTimeToLive and always reports TTL as DISABLED, so both TTL operations are
 * answered here. Items are never expired: the TTL setting is recorded and reported, nothing more.
 */
export class DynamoDbEndpoint implements RawEndpoint {
  readonly name = 'dynamodb';
  private readonly accountId: string;
  private readonly defaultRegion: string;
  private readonly instances = new Map<string, http.Server>();
  private readonly ttl = new Map<string, TtlState>();
  private closed = false;

  constructor(opts: DynamoDbEndpointOptions = {}) {
    this.accountId = opts.accountId ?? '000000000000';
    this.defaultRegion = opts.defaultRegion ?? 'us-east-1';
  }

  acceptsRaw(req: http.IncomingMessage): boolean {
    return headerValue(req, 'x-amz-target')?.startsWith(TARGET_PREFIX) ?? false;
  }

  handleRaw(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.closed) {
      sendJson(res, 503, { __type: `${ERROR_PREFIX}ServiceUnavailable`, message: 'closed' });
      req.resume();
      return;
    }
    const region = this.regionOf(req);
    const operation = (headerValue(req, 'x-amz-target') ?? '').slice(TARGET_PREFIX.length);
    if (operation === 'UpdateTimeToLive' || operation === 'DescribeTimeToLive') {
      void readBody(req)
        .then((body) => this.handleTtl(region, operation, body.toString('utf8')))
        .then(
          (result) => sendJson(res, result.status, result.body),
          (err: unknown) =>
            sendJson(res, 500, {
              __type: `${ERROR_PREFIX}InternalServerError`,
              message: `internal error in the emulator: ${err instanceof Error ? err.message : String(err)}`,
            }),
        );
      return;
    }
    void readBody(req).then(
      (body) => this.forward(region, req, res, body),
      () => res.destroy(),
    );
  }

  /**
   * Hands a buffered request to dynalite. Buffering first lets the endpoint refuse bodies dynalite
   * would crash on (JSON that is not an object, such as `null`, makes it throw outside any
   * handler), and keeps client hang-ups away from dynalite's listener, which rethrows them.
   */
  private forward(
    region: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
  ): void {
    if (body.length > MAX_BODY_BYTES) {
      sendJson(res, 413, {
        __type: `${ERROR_PREFIX}RequestEntityTooLarge`,
        message: 'Request entity too large',
      });
      return;
    }
    const text = body.toString('utf8').trim();
    if (text !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = {};
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        sendJson(res, 400, {
          __type: 'com.amazon.coral.service#SerializationException',
          message: 'The request body must be a JSON object',
        });
        return;
      }
    }
    const replay = Object.assign(new PassThrough(), {
      method: req.method,
      url: req.url,
      headers: req.headers,
    });
    this.instance(region).emit('request', replay, res);
    replay.end(body);
  }

  /**
   * Memory-level stores hold no files or sockets, so closing only drops the instances (dynalite's
   * own `close()` expects a listening server and fails on one that never listened).
   */
  async close(): Promise<void> {
    this.closed = true;
    this.instances.clear();
    this.ttl.clear();
  }

  private regionOf(req: http.IncomingMessage): string {
    const scope = CREDENTIAL_SCOPE.exec(headerValue(req, 'authorization') ?? '');
    return scope?.[1] ?? this.defaultRegion;
  }

  private instance(region: string): http.Server {
    let server = this.instances.get(region);
    if (!server) {
      server = withEnv(
        { AWS_REGION: region, AWS_DEFAULT_REGION: region, AWS_ACCOUNT_ID: this.accountId },
        () => dynalite({ createTableMs: 0, updateTableMs: 0, deleteTableMs: 0 }),
      );
      this.instances.set(region, server);
    }
    return server;
  }

  private async handleTtl(region: string, operation: string, raw: string): Promise<InternalResult> {
    let input: unknown;
    try {
      input = raw.trim() === '' ? {} : JSON.parse(raw);
    } catch {
      return { status: 400, body: { __type: `${ERROR_PREFIX}SerializationException` } };
    }
    if (typeof input !== 'object' || input === null) {
      return validation('The request body must be a JSON object');
    }
    const body = input as Record<string, unknown>;
    const tableName = body.TableName;
    if (typeof tableName !== 'string' || !/^[a-zA-Z0-9_.-]{3,255}$/.test(tableName)) {
      return validation(
        `1 validation error detected: Value '${String(tableName)}' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 3 and 255`,
      );
    }
    const described = await this.internal(region, 'DescribeTable', { TableName: tableName });
    if (described.status !== 200) return described;
    const table = described.body.Table as { TableId?: string } | undefined;
    const tableId = table?.TableId ?? '';
    const key = `${region}\u0000${tableName}`;
    let current = this.ttl.get(key);
    if (current && current.tableId !== tableId) {
      this.ttl.delete(key);
      current = undefined;
    }

    if (operation === 'DescribeTimeToLive') {
      return {
        status: 200,
        body: {
          TimeToLiveDescription: current
            ? { TimeToLiveStatus: 'ENABLED', AttributeName: current.attributeName }
            : { TimeToLiveStatus: 'DISABLED' },
        },
      };
    }

    const spec = body.TimeToLiveSpecification as Record<string, unknown> | undefined;
    if (typeof spec !== 'object' || spec === null) {
      return validation(
        "1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null",
      );
    }
    const { Enabled: enabled, AttributeName: attributeName } = spec;
    if (typeof enabled !== 'boolean') {
      return validation(
        "1 validation error detected: Value null at 'timeToLiveSpecification.enabled' failed to satisfy constraint: Member must not be null",
      );
    }
    if (
      typeof attributeName !== 'string' ||
      attributeName.length < 1 ||
      attributeName.length > 255
    ) {
      return validation(
        "1 validation error detected: Value at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length between 1 and 255",
      );
    }
    if (enabled) {
      if (current) return validation('TimeToLive is already enabled');
      this.ttl.set(key, { attributeName, tableId });
    } else {
      if (!current) return validation('TimeToLive is already disabled');
      if (current.attributeName !== attributeName) {
        return validation(
          `TimeToLive is active on a different AttributeName: current AttributeName is ${current.attributeName}`,
        );
      }
      this.ttl.delete(key);
    }
    // AWS passes through ENABLING for up to an hour; here the change is effective at once.
    return {
      status: 200,
      body: { TimeToLiveSpecification: { Enabled: enabled, AttributeName: attributeName } },
    };
  }

  /** Calls dynalite without HTTP, through the same request listener, with stand-in req/res. */
  private internal(
    region: string,
    operation: string,
    input: Record<string, unknown>,
  ): Promise<InternalResult> {
    return new Promise((resolve, reject) => {
      const payload = JSON.stringify(input);
      const req = Object.assign(new PassThrough(), {
        method: 'POST',
        url: '/',
        headers: {
          'content-type': CONTENT_TYPE,
          'x-amz-target': `${TARGET_PREFIX}${operation}`,
          'x-amz-date': '20260101T000000Z',
          authorization: `AWS4-HMAC-SHA256 Credential=emulator/20260101/${region}/dynamodb/aws4_request, SignedHeaders=host, Signature=internal`,
        },
      });
      let status = 200;
      const res = {
        statusCode: 200,
        contentType: CONTENT_TYPE,
        setHeader: () => undefined,
        end: (chunk?: string | Buffer) => {
          status = res.statusCode;
          const text = chunk === undefined ? '' : chunk.toString();
          try {
            resolve({
              status,
              body: text === '' ? {} : (JSON.parse(text) as InternalResult['body']),
            });
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        },
      };
      this.instance(region).emit('request', req, res);
      req.end(payload);
    });
  }
}

function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads the body, keeping at most one byte over the limit so an oversized one is recognised. */
function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      if (size > MAX_BODY_BYTES) return;
      size += c.length;
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

function validation(message: string): InternalResult {
  return { status: 400, body: { __type: `${ERROR_PREFIX}ValidationException`, message } };
}

/**
 * Runs a synchronous factory with some environment variables set, then restores them. Safe
 * because nothing else can run between the set and the restore.
 */
function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const saved = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(vars)) {
    saved.set(k, process.env[k]);
    process.env[k] = v;
  }
  try {
    return fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
