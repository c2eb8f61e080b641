import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs `sls package` (osls@3) for a stage into a fresh folder, offline and without credentials, as
 * a user on a fresh machine would.
 */
export async function packageStage(stage: string, region = 'us-east-1'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `kas-package-${stage}-`));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  };
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  delete env.AWS_PROFILE;
  await run('npx', ['sls', 'package', '--stage', stage, '--region', region, '--package', dir], {
    cwd: join(import.meta.dirname, '..', '..'),
    env,
    timeout: 120_000,
  });
  return dir;
}
