import { Command, CommanderError } from 'commander';
import { EXIT } from '../kit/errors.js';
import { deployCommand } from './commands/deploy.js';
import { loadCommand } from './commands/load.js';
import { localCommand } from './commands/local.js';
import { simulateCommand } from './commands/simulate.js';
import { statusCommand } from './commands/status.js';
import { streamCommands } from './commands/streams.js';
import { Context, processIo, type GlobalOptions, type Io, type Run } from './context.js';

export interface CliResult {
  exitCode: number;
}

export function buildProgram(io: Io, env: NodeJS.ProcessEnv, result: CliResult): Command {
  const run: Run =
    (action) =>
    async (...args) => {
      const command = args[args.length - 1] as Command;
      const ctx = new Context(command.optsWithGlobals<GlobalOptions>(), io, env);
      try {
        // Commander passes the positional arguments, then the options, then the command itself.
        await (action as (ctx: Context, ...rest: unknown[]) => Promise<void>)(
          ctx,
          ...args.slice(0, -1),
        );
      } catch (err) {
        const failure = ctx.fail(err);
        io.err(`error: ${failure.message}`);
        result.exitCode = failure.exitCode;
      } finally {
        ctx.close();
      }
    };

  const program = new Command('kas')
    .description(
      'kinesis-autoscaler development kit: run the embedded emulator, deploy, subscribe streams, fire alarms, load, watch and wait',
    )
    .option(
      '--endpoint-url <url>',
      'AWS endpoint (default $AWS_ENDPOINT_URL; unset means real AWS)',
    )
    .option('--region <region>', 'AWS region (default $AWS_REGION or us-east-1)')
    .option('--profile <name>', 'AWS profile for real AWS')
    .option('--stage <stage>', 'autoscaler stage (default "local" with an endpoint, "dev" without)')
    .option('--json', 'print machine-readable JSON on stdout')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();

  localCommand(program, run, io);
  deployCommand(program, run);
  streamCommands(program, run);
  loadCommand(program, run);
  statusCommand(program, run);
  simulateCommand(program, run);
  for (const cmd of program.commands)
    cmd.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  return program;
}

/** Runs the CLI and resolves to its exit code (0 ok, 1 failure, 2 usage, 3 timeout). */
export async function runCli(
  argv: string[],
  io: Io = processIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const result: CliResult = { exitCode: EXIT.ok };
  const program = buildProgram(io, env, result);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
        ? EXIT.ok
        : EXIT.usage;
    }
    throw err;
  }
  return result.exitCode;
}
