import { CONTROL_PREFIX, EMULATOR_ID } from '../emulator/control.js';

/**
 * True when the endpoint is our embedded emulator (it answers `/_emulator/health`), whether it runs
 * as `npm start` or in the container image; LocalStack and AWS answer otherwise.
 */
export async function isEmbeddedEmulator(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(new URL(`${CONTROL_PREFIX}health`, endpoint), {
      signal: AbortSignal.timeout(3000),
    });
    if (!res.ok) return false;
    const body = (await res.json()) as { emulator?: string };
    return body.emulator === EMULATOR_ID;
  } catch {
    return false;
  }
}
