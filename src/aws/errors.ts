/**
 * Reading a caught value. `catch` hands over `unknown`: an SDK error, a Node system error, or anything
 * a library chose to throw. These helpers read it without a cast at every call site.
 */
interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
}

function asErrorLike(err: unknown): ErrorLike {
  return typeof err === 'object' && err !== null ? (err as ErrorLike) : {};
}

/** The error's message, or the thrown value itself as text when it is not an error. */
export function errorMessage(err: unknown): string {
  const { message } = asErrorLike(err);
  return typeof message === 'string' ? message : String(err);
}

/** The error's name (an SDK error's AWS code), else its `code`, else `Error`. */
export function errorName(err: unknown): string {
  const { name, code } = asErrorLike(err);
  if (typeof name === 'string' && name !== '') return name;
  if (typeof code === 'string' && code !== '') return code;
  return 'Error';
}

/**
 * How many attempts the SDK made before this error (its `$metadata.attempts`); 1 when the error
 * carries no metadata. More than one means the SDK retried, and an earlier attempt may have been
 * applied by the service with its response lost.
 */
export function sdkAttempts(err: unknown): number {
  if (typeof err !== 'object' || err === null) return 1;
  const meta = (err as { $metadata?: { attempts?: unknown } }).$metadata;
  const attempts = meta?.attempts;
  return typeof attempts === 'number' && attempts >= 1 ? attempts : 1;
}
