import Table from 'cli-table3';
import type { Command } from 'commander';
import { logTableName } from '../../kit/stack.js';
import { collectStatus, type AlarmStatus, type StreamStatus } from '../../kit/status.js';
import { realSleep } from '../../kit/time.js';
import type { Context, Run } from '../context.js';
import { number } from '../options.js';

function alarmCell(a: AlarmStatus | undefined): string {
  if (!a) return '-';
  const off = a.actionsEnabled ? '' : ' (actions off)';
  return `${a.state} @ ${a.threshold ?? '?'}, n=${a.shardCount ?? '?'}${off}`;
}

export function renderStatus(rows: StreamStatus[]): string {
  if (rows.length === 0) return 'no streams';
  const table = new Table({
    head: ['stream', 'status', 'shards', 'scale-up alarm', 'scale-down alarm', 'last scaling'],
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    const last = r.lastScalings[0];
    table.push([
      r.stream,
      r.mode === 'ON_DEMAND' ? `${r.status} (on-demand)` : r.status,
      String(r.openShards),
      alarmCell(r.alarms.up),
      alarmCell(r.alarms.down),
      last ? `${last.scaling_datetime} ${last.shard_count}->${last.target_shard_count}` : '-',
    ]);
  }
  return table.toString();
}

export function statusCommand(program: Command, run: Run): void {
  program
    .command('status')
    .description('streams, status, open shards, alarm states and thresholds, last scaling events')
    .argument('[name]', 'only this stream')
    .option('--watch', 'refresh until interrupted')
    .option('--interval <seconds>', 'refresh interval with --watch', number('--interval'), 2)
    .action(
      run(
        async (
          ctx: Context,
          name: string | undefined,
          opts: { watch?: boolean; interval: number },
        ) => {
          const table = await logTable(ctx);
          for (;;) {
            const rows = await collectStatus(ctx.clients, table, name);
            if (opts.watch && !ctx.json && ctx.io.isTTY) ctx.io.out('\x1b[2J\x1b[H');
            if (opts.watch && ctx.json) ctx.io.out(JSON.stringify(rows));
            else ctx.print(renderStatus(rows), rows);
            if (!opts.watch) return;
            await realSleep(opts.interval * 1000);
          }
        },
      ),
    );
}

/** The status table is useful before anything is deployed, so a missing stack is not an error. */
async function logTable(ctx: Context): Promise<string> {
  try {
    return (await ctx.autoscaler()).logTable;
  } catch {
    return logTableName(ctx.stage);
  }
}
