import Table from 'cli-table3';
import type { Command } from 'commander';
import { logTableName } from '../../kit/stack.js';
import { collectStatus, type AlarmStatus, type StreamStatus } from '../../kit/status.js';
import { realSleep } from '../../kit/time.js';
import type { Context, Run } from '../context.js';
import { number, positiveInt } from '../options.js';

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
    .option(
      '--watch',
      'refresh until interrupted (redrawn on a terminal; elsewhere printed only when it changes)',
    )
    .option('--interval <seconds>', 'refresh interval with --watch', number('--interval'), 2)
    .option('--count <n>', 'with --watch, stop after this many refreshes', positiveInt('--count'))
    .action(
      run(
        async (
          ctx: Context,
          name: string | undefined,
          opts: { watch?: boolean; interval: number; count?: number },
        ) => {
          const table = await logTable(ctx);
          if (!opts.watch) {
            const rows = await collectStatus(ctx.clients, table, name);
            ctx.print(renderStatus(rows), rows);
            return;
          }
          let last: string | undefined;
          for (let refresh = 1; ; refresh++) {
            const rows = await collectStatus(ctx.clients, table, name);
            const text = ctx.json ? JSON.stringify(rows) : renderStatus(rows);
            if (ctx.io.isTTY && !ctx.json) ctx.io.out(`\x1b[2J\x1b[H${text}`);
            // A pipe or a log file would otherwise grow by a whole table every interval.
            else if (text !== last)
              ctx.io.out(ctx.json ? text : `-- ${new Date().toISOString()}\n${text}`);
            last = text;
            if (opts.count !== undefined && refresh >= opts.count) return;
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
