import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/kit/package.js';
import type { E2ETarget } from './types.js';
import { connectTarget } from './connect.js';

const run = promisify(execFile);

/**
 * A real AWS account: deploys the autoscaler under a unique stage, and removes it afterwards
 * (streams and alarms of each scenario are deleted by the scenario itself). Costs a few cents.
 */
export async function openAws(): Promise<E2ETarget> {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const stage = process.env.E2E_STAGE ?? `e2e${randomBytes(3).toString('hex')}`;
  const sls = (command: 'deploy' | 'remove') =>
    run('npx', ['sls', command, '--stage', stage, '--region', region], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
      timeout: 1_200_000,
    });
  await sls('deploy');
  try {
    return await connectTarget({
      name: 'aws',
      aws: { region, profile: process.env.AWS_PROFILE },
      stage,
      noAlarmEvaluation: undefined,
      noFastTime:
        'the 24-hour quota would take ten real reshardings and a day; it runs on E2E_TARGET=embedded',
      reshardTimeoutMs: 600_000,
      close: async () => {
        await sls('remove');
      },
    });
  } catch (err) {
    await sls('remove');
    throw err;
  }
}
