/** An error meant for a person at a terminal: one line, what went wrong and what to do. */
export class KitError extends Error {
  override readonly name = 'KitError';
  constructor(
    message: string,
    /** Process exit code when this ends a CLI command. */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const EXIT = { ok: 0, failure: 1, usage: 2, timeout: 3 } as const;

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  /** Set by Node on file-system and socket errors. */
  path?: string;
  syscall?: string;
  address?: string;
  port?: number;
  /** Set by Node's URL parser. */
  input?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Turns SDK and network failures into one clear line. The SDK's own messages for these cases are
 * long or misleading ("Could not load credentials from any providers").
 */
export function explain(
  err: unknown,
  ctx: { endpoint?: string | undefined; region: string },
): KitError {
  if (err instanceof KitError) return err;
  const e = (err ?? {}) as ErrorLike;
  const code = e.code ?? (e.cause as ErrorLike | undefined)?.code;
  const where = ctx.endpoint ?? `AWS (${ctx.region})`;
  const plain = nodeError(e);
  if (plain) return plain;
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'ECONNRESET'
  ) {
    const hint = ctx.endpoint
      ? ' Is the emulator (`npm start`) or LocalStack (`docker compose up -d`) running?'
      : ' Check your network and region.';
    return new KitError(`endpoint unreachable: ${where} (${code}).${hint}`);
  }
  if (
    e.name === 'CredentialsProviderError' ||
    /Could not load credentials/i.test(e.message ?? '')
  ) {
    return new KitError(
      'no AWS credentials found for real AWS: set AWS_PROFILE (or pass --profile) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; for a local endpoint pass --endpoint-url or set AWS_ENDPOINT_URL',
    );
  }
  if (
    e.name === 'UnrecognizedClientException' ||
    e.name === 'InvalidClientTokenId' ||
    e.name === 'ExpiredToken'
  ) {
    return new KitError(`credentials rejected by ${where}: ${e.message ?? e.name}`);
  }
  const name = e.name ?? 'Error';
  // Node's own errors read best without their class name ("Error: ..." says nothing).
  const prefix = name === 'Error' || name === 'TypeError' ? '' : `${name}: `;
  return new KitError(`${prefix}${e.message ?? String(err)}`);
}

/** Node's raw system and URL errors, as one line that says what to do. */
function nodeError(e: ErrorLike): KitError | undefined {
  switch (e.code) {
    case 'EADDRINUSE':
      return new KitError(
        `port ${e.port ?? '?'} on ${e.address ?? 'this host'} is already in use (another emulator or LocalStack?): stop it, or pass --port <n>`,
      );
    case 'EADDRNOTAVAIL':
      return new KitError(
        `cannot listen on ${e.address ?? 'that address'}: it is not an address of this machine; pass --host 127.0.0.1`,
      );
    case 'EACCES':
      return e.syscall === 'listen'
        ? new KitError(
            `no permission to listen on port ${e.port ?? '?'}: pass --port with a number above 1023`,
          )
        : new KitError(`permission denied: ${e.path ?? e.message ?? ''}`);
    case 'ENOENT':
      return new KitError(`no such file or directory: ${e.path ?? e.message ?? ''}`);
    case 'EISDIR':
      return new KitError(`expected a file, got a directory: ${e.path ?? e.message ?? ''}`);
    case 'ERR_INVALID_URL':
      return new KitError(
        `not a valid URL: ${JSON.stringify(e.input ?? '')}; an endpoint looks like http://127.0.0.1:4566 (--endpoint-url or AWS_ENDPOINT_URL)`,
        EXIT.usage,
      );
    default:
      return undefined;
  }
}
