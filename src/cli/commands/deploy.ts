import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { CONTROL_PREFIX } from '../../emulator/control.js';
import { isEmbeddedEmulator } from '../../kit/emulator.js';
import { KitError } from '../../kit/errors.js';
import { PROJECT_ROOT, packageStage } from '../../kit/package.js';
import { stackName } from '../../kit/stack.js';
import type { Context, Run } from '../context.js';

export function deployCommand(program: Command, run: Run): void {
  program
    .command('deploy')
    .description(
      'deploy the autoscaler: `sls deploy` for AWS and LocalStack; package and apply for the embedded emulator',
    )
    .action(run(async (ctx) => deploy(ctx)));
}

async function deploy(ctx: Context): Promise<void> {
  const { endpoint, region } = ctx.target;
  if (endpoint && (await isEmbeddedEmulator(endpoint))) {
    const dir = await packageStage(ctx.stage, { region });
    const res = await fetch(new URL(`${CONTROL_PREFIX}deploy`, endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ packageDir: dir, stackName: stackName(ctx.stage), region }),
    });
    const body = (await res.json()) as { message?: string; outputs?: Record<string, string> };
    if (!res.ok)
      throw new KitError(`deploying into the emulator failed: ${body.message ?? res.status}`);
    ctx.print(
      [
        `deployed ${stackName(ctx.stage)} into the embedded emulator at ${endpoint}`,
        ...Object.entries(body.outputs ?? {}).map(([k, v]) => `  ${k} = ${v}`),
      ].join('\n'),
      body,
    );
    return;
  }
  // AWS and LocalStack: the Serverless Framework does the deployment (serverless-localstack
  // redirects stage local to the LocalStack endpoint).
  const args = ['sls', 'deploy', '--stage', ctx.stage, '--region', region];
  if (ctx.target.profile) args.push('--aws-profile', ctx.target.profile);
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('npx', args, {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: process.env,
    });
    child.on('error', reject);
    child.on('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new KitError(`npx ${args.join(' ')} failed with exit code ${code}`);
  ctx.print(`deployed ${stackName(ctx.stage)} with the Serverless Framework`, {
    stage: ctx.stage,
    region,
    stack: stackName(ctx.stage),
  });
}
