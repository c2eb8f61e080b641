import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { planLoad, runLoad } from '../../kit/load.js';
import { describeStream } from '../../kit/streams.js';
import { realSleep } from '../../kit/time.js';
import type { Run } from '../context.js';
import { number, positiveInt } from '../options.js';

export function loadCommand(program: Command, run: Run): void {
  program
    .command('load')
    .description('put real records at a steady rate and count accepted and throttled ones')
    .argument('<name>', 'stream name')
    .requiredOption('--mibps <x>', 'MiB per second to write', number('--mibps'))
    .option(
      '--records-per-second <n>',
      'records per second (default: 1 KiB records)',
      positiveInt('--records-per-second'),
    )
    .requiredOption('--duration <seconds>', 'how long to write', positiveInt('--duration'))
    .action(
      run(
        async (
          ctx,
          name: string,
          opts: { mibps: number; recordsPerSecond?: number; duration: number },
        ) => {
          const plan = planLoad({
            mibps: opts.mibps,
            recordsPerSecond: opts.recordsPerSecond,
            durationSeconds: opts.duration,
          });
          await describeStream(ctx.clients.kinesis, name);
          const bar =
            ctx.io.isTTY && !ctx.json
              ? new SingleBar({
                  format: `load ${name} [{bar}] {value}/{total} s | accepted {accepted} | throttled {throttled}`,
                  hideCursor: true,
                })
              : undefined;
          bar?.start(opts.duration, 0, { accepted: 0, throttled: 0 });
          const totals = await runLoad(ctx.clients.kinesis, {
            stream: name,
            bytesPerSecond: plan.bytesPerSecond,
            recordsPerSecond: plan.recordsPerSecond,
            durationSeconds: opts.duration,
            sleep: realSleep,
            now: Date.now,
            onSecond: (p) =>
              bar?.update(p.second, { accepted: p.acceptedRecords, throttled: p.throttledRecords }),
          });
          bar?.stop();
          const pct = totals.offeredRecords
            ? ((100 * totals.throttledRecords) / totals.offeredRecords).toFixed(1)
            : '0.0';
          ctx.print(
            `wrote ${opts.duration} s to ${name}: ${totals.acceptedRecords} records accepted, ${totals.throttledRecords} throttled (${pct}%)` +
              (totals.failedRecords ? `, ${totals.failedRecords} failed` : ''),
            { stream: name, recordBytes: plan.recordBytes, ...totals },
          );
        },
      ),
    );
}
