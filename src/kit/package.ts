import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { promisify } from 'node:util';
import { KitError } from './errors.js';

const run = promisify(execFile);

/** The repository root, from src/kit (tsx) or dist/kit (built) alike. */
export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

/**
 * A temporary directory of its own for one `sls` run: osls and serverless-esbuild leave build
 * folders in the temporary directory, and this one is removed afterwards.
 */
async function withScratchTmp<T>(env: NodeJS.ProcessEnv, work: () => Promise<T>): Promise<T> {
  const scratch = await mkdtemp(join(tmpdir(), 'kas-sls-tmp-'));
  env.TMPDIR = scratch;
  try {
    return await work();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * One packaging of this project at a time, across processes: serverless-esbuild builds in the
 * project's `.esbuild` and `.serverless` folders whatever `--package` says, so two at once (two
 * `kas simulate` runs) delete each other's bundle ("Could not calculate hash for
 * .serverless/kinesis-autoscaler.zip"). The lock is a folder beside the project's files, kept fresh
 * while held, and taken over when its holder died.
 */
async function withPackagingLock<T>(work: () => Promise<T>): Promise<T> {
  const release = await lockfile.lock(PROJECT_ROOT, {
    lockfilePath: join(PROJECT_ROOT, '.sls-package.lock'),
    stale: 30_000,
    // Another packaging takes seconds, or minutes on a loaded machine.
    retries: { retries: 600, minTimeout: 200, maxTimeout: 1000 },
  });
  try {
    return await work();
  } finally {
    await release();
  }
}

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
  try {
    await withPackagingLock(() =>
      withScratchTmp(env, () =>
        run(
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
        ),
      ),
    );
  } catch (err) {
    // A temporary folder of ours that holds no package is of no use to anyone.
    if (opts.outDir === undefined) await rm(dir, { recursive: true, force: true });
    const e = err as { stdout?: string; stderr?: string; message: string };
    const detail = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
    throw new KitError(`sls package --stage ${stage} failed:\n${detail || e.message}`);
  }
  return dir;
}

/** The stages serverless-localstack redirects to an endpoint (`custom.localstack.stages`). */
export const LOCAL_STAGES = ['local'];

export interface DeployOptions {
  region: string;
  /** LocalStack or the embedded emulator; unset deploys to AWS. */
  endpoint?: string | undefined;
  profile?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Each line `sls deploy` prints; default: passed through to this process's stderr. */
  onOutput?: (line: string) => void;
}

/**
 * `sls deploy` (osls@3), the one way the autoscaler is deployed: to AWS, LocalStack and the
 * embedded emulator alike. With an endpoint, serverless-localstack sends every call there; it
 * does so only for the local stages, so any other stage would reach real AWS and is refused.
 */
export async function deployStage(stage: string, opts: DeployOptions): Promise<void> {
  if (opts.endpoint && !LOCAL_STAGES.includes(stage)) {
    throw new KitError(
      `stage ${stage} cannot be deployed to ${opts.endpoint}: serverless-localstack redirects only stage ${LOCAL_STAGES.join(', ')} (use --stage local, or unset AWS_ENDPOINT_URL to deploy to AWS)`,
    );
  }
  const env: NodeJS.ProcessEnv = {
    ...(opts.env ?? process.env),
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  };
  if (opts.endpoint) {
    env.AWS_ENDPOINT_URL = opts.endpoint;
    // Local endpoints finish stack operations in well under a second; AWS's 5 s poll would idle.
    env.SLS_AWS_MONITORING_FREQUENCY ??= '1000';
  }
  const args = ['sls', 'deploy', '--stage', stage, '--region', opts.region];
  if (opts.profile) args.push('--aws-profile', opts.profile);
  const tail: string[] = [];
  const code = await withScratchTmp(
    env,
    () =>
      new Promise<number>((resolve, reject) => {
        const child = spawn('npx', args, {
          cwd: PROJECT_ROOT,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const onData = (chunk: Buffer) => {
          for (const line of chunk.toString('utf8').split('\n')) {
            if (line.trim() === '') continue;
            tail.push(line);
            if (tail.length > 15) tail.shift();
            if (opts.onOutput) opts.onOutput(line);
            else process.stderr.write(`${line}\n`);
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('error', reject);
        child.on('close', (c) => resolve(c ?? 1));
      }),
  );
  if (code !== 0) {
    throw new KitError(
      `npx ${args.join(' ')} failed with exit code ${code}${opts.endpoint ? ` (endpoint ${opts.endpoint})` : ''}:\n${tail.slice(-8).join('\n')}`,
    );
  }
}
