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
  return new KitError(`${name}: ${e.message ?? String(err)}`);
}
