import { isEmbeddedEmulator } from '../../src/kit/emulator.js';
import type { E2ETarget } from './types.js';
import { connectTarget } from './connect.js';

/**
 * An endpoint that is already running with the autoscaler deployed at stage local: `npm start`,
 * or LocalStack after `sls deploy --stage local`.
 */
export async function openEndpoint(endpoint: string): Promise<E2ETarget> {
  const ours = await isEmbeddedEmulator(endpoint);
  return connectTarget({
    name: 'endpoint',
    aws: { endpoint, region: process.env.AWS_REGION ?? 'us-east-1' },
    stage: process.env.E2E_STAGE ?? 'local',
    noAlarmEvaluation: ours
      ? undefined
      : 'LocalStack does not evaluate metric-math alarms, so real load never fires them',
    noFastTime:
      'the 24-hour quota needs ten reshardings in real time; it runs on E2E_TARGET=embedded',
    reshardTimeoutMs: 120_000,
  });
}
