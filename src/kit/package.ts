import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KitError } from './errors.js';

const run = promisify(execFile);

/** The repository root, from src/kit (tsx) or dist/kit (built) alike. */
export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

/**
 * Runs `sls package` (osls@3) for a stage, offline and without credentials. With no `outDir` the
 * package goes to a fresh temporary folder; pass `.serverless` to get what `sls package` writes by
 * default.
 */
export async function packageStage(
  stage: string,
  opts: { region?: string; outDir?: string } = {},
): Promise<string> {
  const dir = opts.outDir ?? (await mkdtemp(join(tmpdir(), `kas-package-${stage}-`)));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  };
  // Packaging needs no credentials; clearing them proves it and avoids a lookup of a bad profile.
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  delete env.AWS_PROFILE;
  // osls and serverless-esbuild leave build folders in the temporary directory: give them one of
  // their own and remove it afterwards.
  const scratch = await mkdtemp(join(tmpdir(), `kas-package-tmp-`));
  env.TMPDIR = scratch;
  try {
    await run(
      'npx',
      [
        'sls',
        'package',
        '--stage',
        stage,
        '--region',
        opts.region ?? 'us-east-1',
        '--package',
        dir,
      ],
      {
        cwd: PROJECT_ROOT,
        env,
        // A hang guard only: on a loaded machine packaging takes minutes.
        timeout: 600_000,
      },
    );
  } catch (err) {
    // A temporary folder of ours that holds no package is of no use to anyone.
    if (opts.outDir === undefined) await rm(dir, { recursive: true, force: true });
    const e = err as { stdout?: string; stderr?: string; message: string };
    const detail = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
    throw new KitError(`sls package --stage ${stage} failed:\n${detail || e.message}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return dir;
}
