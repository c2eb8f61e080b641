/**
 * An error the emulator returns to a client in the shape AWS uses. Models throw these; protocol
 * adapters serialise them (JSON `__type` or Query XML `ErrorResponse`).
 */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** `Sender` for client faults, `Receiver` for server faults (Query protocol `Type`). */
    readonly faultType: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}

export const notFound = (message: string, code = 'ResourceNotFoundException') =>
  new AwsError(code, message, 400);

/** Anything that is not an AwsError is a bug in the emulator: report it as AWS reports a 500. */
export function toAwsError(err: unknown): AwsError {
  if (err instanceof AwsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AwsError('InternalFailure', `internal error in the emulator: ${message}`, 500);
}
