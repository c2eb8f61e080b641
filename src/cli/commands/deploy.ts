import type { Command } from 'commander';
import { CONTROL_PREFIX, EMULATOR_ID } from '../../emulator/control.js';
import { deployStage } from '../../kit/package.js';
import type { Context, Run } from '../context.js';

/** True when the endpoint is our embedded emulator (it answers `/_emulator/health`). */
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

export function deployCommand(program: Command, run: Run): void {
  program
    .command('deploy')
    .description(
      'deploy the autoscaler with `sls deploy`: to AWS, or with an endpoint (stage local) to the embedded emulator or LocalStack',
    )
    .action(run(async (ctx) => deploy(ctx)));
}

async function deploy(ctx: Context): Promise<void> {
  const { endpoint, region, profile } = ctx.target;
  const where = !endpoint
    ? `AWS (${region})`
    : (await isEmbeddedEmulator(endpoint))
      ? `the embedded emulator at ${endpoint}`
      : endpoint;
  await deployStage(ctx.stage, {
    region,
    endpoint,
    profile,
    // The child needs PATH and HOME even where the command was given a reduced environment.
    env: { ...process.env, ...ctx.env },
    // With --json stdout carries only the result, so the framework's progress goes to stderr.
    onOutput: (line) => ctx.io.err(`${line}\n`),
  });
  const stack = await ctx.autoscaler();
  const outputs = {
    ScaleUpTopicArn: stack.scaleUpTopicArn,
    ScaleDownTopicArn: stack.scaleDownTopicArn,
    ScalingLogTableName: stack.logTable,
  };
  ctx.print(
    [
      `deployed ${stack.stackName} to ${where}`,
      ...Object.entries(outputs).map(([k, v]) => `  ${k} = ${v}`),
    ].join('\n'),
    { stage: ctx.stage, region, stack: stack.stackName, endpoint, outputs },
  );
}
