import type { Command } from 'commander';
import { isEmbeddedEmulator } from '../../kit/emulator.js';
import { deployStage } from '../../kit/package.js';
import type { Context, Run } from '../context.js';

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
