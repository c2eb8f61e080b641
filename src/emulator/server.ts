import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultInjector } from './faults.js';
import { bodyLimitFor } from './protocol/body-limits.js';
import { AwsError, toAwsError } from './protocol/errors.js';
import { jsonErrorResponse } from './protocol/json.js';
import { queryErrorResponse } from './protocol/query.js';
import type { AwsRequest, AwsResponse, RawEndpoint, ServiceEndpoint } from './protocol/types.js';

export interface EdgeServerOptions {
  endpoints: ServiceEndpoint[];
  rawEndpoints?: RawEndpoint[];
  defaultRegion: string;
  accountId: string;
  /**
   * Largest request body accepted, for every service; by default each service's own limit
   * (protocol/body-limits.ts).
   */
  maxBodyBytes?: number;
  /** Answers requests over an API rate with the service's throttling error. */
  rateLimiter?: { check(req: AwsRequest): AwsError | undefined };
  /** The services' clock, sent in every response's `Date` header as AWS does. */
  now?: () => number;
  /** Test hook: services made to fail (see faults.ts). */
  faults?: FaultInjector;
  /**
   * How long an oversized body may keep arriving (discarded) after its 413 answer, in real time;
   * by default DISCARD_MS.
   */
  discardMs?: number;
}

/** How long an oversized body may keep arriving (discarded) after its 413 answer. */
const DISCARD_MS = 5_000;

const CREDENTIAL_SCOPE = /Credential=[^/]*\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

/**
 * The single port every tool talks to, like LocalStack's edge port: it reads the request, works out
 * region and service from the SigV4 scope, and hands it to the first endpoint that accepts it.
 */
export class EdgeServer {
  private readonly server: http.Server;

  constructor(private readonly opts: EdgeServerOptions) {
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    // Keep-alive sockets from SDK clients must not hold the process open at shutdown.
    this.server.keepAliveTimeout = 5_000;
  }

  async listen(
    port: number,
    host = '127.0.0.1',
  ): Promise<{ host: string; port: number; url: string }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address() as AddressInfo;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    return { host, port: addr.port, url: `http://${shownHost}:${addr.port}` };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const scope = CREDENTIAL_SCOPE.exec(String(req.headers.authorization ?? ''));
    const fault = this.opts.faults?.check(scope?.[2]);
    const raw = fault ? undefined : this.opts.rawEndpoints?.find((e) => e.acceptsRaw(req));
    if (raw) {
      raw.handleRaw(req, res);
      return;
    }
    const requestId = randomUUID();
    const limit = bodyLimitFor(req);
    const maxBytes = this.opts.maxBodyBytes ?? limit.bytes;
    const tooLarge = (size: number) => {
      // Answer at once and discard the rest unread: buffering and parsing a huge body is what
      // used to stall the emulator for every other client. The connection stays open while the
      // rest arrives: with `Connection: close` Node destroys the socket as soon as the answer is
      // written, and the client, still sending, reads a reset instead of the 413. A client that
      // keeps sending past the discard time is cut off.
      const err =
        this.opts.maxBodyBytes === undefined
          ? limit.error(size)
          : new AwsError(
              'RequestEntityTooLarge',
              `Request body of ${size} bytes or more exceeds the limit of ${maxBytes} bytes`,
              413,
            );
      const response = this.errorFor(this.toAwsRequest(req, Buffer.alloc(0), requestId), err);
      this.send(res, response, requestId);
      req.resume();
      // Once the body has all arrived the kept-alive socket serves the next request: no cut-off.
      const cutOff = setTimeout(() => req.destroy(), this.opts.discardMs ?? DISCARD_MS).unref();
      req.once('end', () => clearTimeout(cutOff));
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.on('error', () => res.destroy());
      tooLarge(declared);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxBytes) {
        refused = true;
        chunks.length = 0;
        tooLarge(size);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (refused) return;
      const request = this.toAwsRequest(req, Buffer.concat(chunks), requestId);
      if (fault) {
        this.send(res, this.errorFor(request, fault), requestId);
        return;
      }
      void this.dispatch(request).then((response) => this.send(res, response, requestId));
    });
  }

  private async dispatch(req: AwsRequest): Promise<AwsResponse> {
    const endpoint = this.opts.endpoints.find((e) => {
      try {
        return e.accepts(req);
      } catch {
        return false;
      }
    });
    if (!endpoint) {
      const what =
        req.target ??
        (req.signingService ? `service ${req.signingService}` : `${req.method} ${req.path}`);
      return this.errorFor(
        req,
        new AwsError(
          'UnknownOperationException',
          `The embedded emulator does not serve ${what}`,
          400,
        ),
      );
    }
    const throttled = this.opts.rateLimiter?.check(req);
    if (throttled) return this.errorFor(req, throttled);
    try {
      return await endpoint.handle(req);
    } catch (err) {
      // Endpoints serialise their own errors; reaching here means one escaped, so answer as AWS
      // would for an internal fault and keep serving.
      return this.errorFor(req, toAwsError(err));
    }
  }

  /** Chooses the error shape the client's protocol expects. */
  private errorFor(req: AwsRequest, err: AwsError): AwsResponse {
    const contentType = String(req.headers['content-type'] ?? '');
    if (contentType.startsWith('application/x-amz-json')) {
      return jsonErrorResponse(err, {
        contentType: contentType.split(';')[0]!,
        queryCompatible: req.headers['x-amzn-query-mode'] === 'true',
      });
    }
    if (contentType.startsWith('application/x-www-form-urlencoded')) {
      return queryErrorResponse(err, req.requestId);
    }
    return jsonErrorResponse(err, { contentType: 'application/json' });
  }

  private send(res: http.ServerResponse, response: AwsResponse, requestId: string): void {
    if (res.headersSent) return;
    const body = typeof response.body === 'string' ? Buffer.from(response.body) : response.body;
    res.writeHead(response.status, {
      // SDK clients correct their clock from this header, so code under test (the Lambdas) sees
      // the emulator's time, virtual or not.
      date: new Date(this.opts.now?.() ?? Date.now()).toUTCString(),
      'x-amzn-requestid': requestId,
      'x-amz-request-id': requestId,
      'content-length': String(body.length),
      ...response.headers,
    });
    res.end(body);
  }

  private toAwsRequest(req: http.IncomingMessage, body: Buffer, requestId: string): AwsRequest {
    // Prefixing the origin (rather than passing it as a base) keeps odd paths such as `//` from
    // being read as a host and throwing.
    let url: URL;
    try {
      url = new URL(`http://emulator${req.url?.startsWith('/') ? req.url : '/'}`);
    } catch {
      url = new URL('http://emulator/_invalid-path');
    }
    const auth = String(req.headers.authorization ?? '');
    const scope = CREDENTIAL_SCOPE.exec(auth);
    const target = req.headers['x-amz-target'];
    return {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      region: scope?.[1] ?? this.opts.defaultRegion,
      accountId: this.opts.accountId,
      signingService: scope?.[2],
      target: Array.isArray(target) ? target[0] : target,
      requestId,
    };
  }
}
