import { InvalidArgumentError, Option, type Command } from 'commander';
import { POLICIES } from '../../autoscaler/config.js';
import { DEFAULT_RESHARDING_MS } from '../../simulation/loop.js';
import { runSimulate } from '../../simulation/cli.js';
import { DUPLICATE_RULES, type DuplicateRule } from '../../simulation/trace.js';
import type { Run } from '../context.js';
import { number } from '../options.js';

function positive(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(n > 0) || !Number.isFinite(n))
      throw new InvalidArgumentError(`${flag} takes a number above 0, got "${value}"`);
    return n;
  };
}

export function simulateCommand(program: Command, run: Run): void {
  program
    .command('simulate')
    .description(
      'replay a traffic trace through the emulated autoscaler and compare policies, on-demand and the oracle',
    )
    .requiredOption('--trace <file>', 'CSV of timestamp,value samples (see data/traces/)')
    .requiredOption(
      '--peak-mibps <x>',
      "write rate the trace's peak is scaled to (MiB/s)",
      positive('--peak-mibps'),
    )
    .option('--record-kib <x>', 'record size (KiB)', positive('--record-kib'), 1)
    .addOption(
      new Option('--policy <name>', 'policy to simulate')
        .choices([...POLICIES, 'all'])
        .default('all'),
    )
    .option('--out <dir>', 'write results.json and report.html here')
    .option(
      '--resharding-seconds <s>',
      'how long UpdateShardCount keeps the stream UPDATING',
      number('--resharding-seconds'),
      DEFAULT_RESHARDING_MS / 1000,
    )
    .option('--package-dir <dir>', 'reuse an `sls package --stage local` output folder')
    .addOption(
      new Option('--duplicates <rule>', 'how samples sharing a timestamp are merged')
        .choices([...DUPLICATE_RULES])
        .default('max'),
    )
    .option(
      '--consumers <n>',
      'consumers reading every record once (on-demand bills each GB read)',
      number('--consumers'),
      1,
    )
    .action(
      run(
        async (
          ctx,
          opts: {
            trace: string;
            peakMibps: number;
            recordKib: number;
            policy: string;
            out?: string;
            reshardingSeconds: number;
            packageDir?: string;
            consumers: number;
            duplicates: string;
          },
        ) => {
          await runSimulate(
            {
              ...opts,
              policy: opts.policy as (typeof POLICIES)[number] | 'all',
              duplicates: opts.duplicates as DuplicateRule,
              json: ctx.json,
            },
            {
              stdout: { write: (text) => ctx.io.out(text) },
              // The progress bar moves the cursor, which needs the real terminal stream.
              stderr: ctx.io.isTTY
                ? process.stderr
                : { write: (text) => ctx.io.err(text), isTTY: false },
            },
          );
        },
      ),
    );
}
