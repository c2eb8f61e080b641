import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** A request as the edge server hands it to a service, after routing and reading the body. */
export interface AwsRequest {
  method: string;
  /** Path without the query string, e.g. `/` or `/2015-03-31/functions/f/invocations`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** From the SigV4 credential scope; the emulator's default region when unsigned. */
  region: string;
  accountId: string;
  /** The service named in the SigV4 credential scope (`kinesis`, `monitoring`, `sns`, ...). */
  signingService: string | undefined;
  /** The `x-amz-target` header, when present. */
  target: string | undefined;
  requestId: string;
}

export interface AwsResponse {
  status: number;
  headers?: Record<string, string>;
  body: string | Buffer;
}

/** One emulated service's wire protocol, mounted on the edge server. */
export interface ServiceEndpoint {
  /** Short name for logs and the start-up banner, e.g. `kinesis`. */
  readonly name: string;
  /** True when this endpoint serves the request (decided from target, form Action, scope or path). */
  accepts(req: AwsRequest): boolean;
  handle(req: AwsRequest): Promise<AwsResponse>;
}

/** A service that needs the raw Node request (DynamoDB is served by dynalite's own handler). */
export interface RawEndpoint {
  readonly name: string;
  acceptsRaw(req: IncomingMessage): boolean;
  handleRaw(req: IncomingMessage, res: ServerResponse): void;
}
