import type { Command } from 'commander';
import type { Direction } from '../../autoscaler/alarm-contract.js';
import { EXIT, KitError } from '../../kit/errors.js';
import { formatScalingLogEntry, readScalingLog } from '../../kit/scaling-log.js';
import { createStream, describeStream, waitForStream } from '../../kit/streams.js';
import {
  checkThresholds,
  fire,
  subscribe,
  unsubscribe,
  type SubscribeInput,
} from '../../kit/subscription.js';
import { plural } from '../../kit/text.js';
import { realSleep } from '../../kit/time.js';
import type { Run } from '../context.js';
import { number, positiveInt, subscribeOptions, type SubscribeFlags } from '../options.js';

export function streamCommands(program: Command, run: Run): void {
  subscribeOptions(
    program
      .command('create-stream')
      .description('create a provisioned stream and wait until it is ACTIVE')
      .argument('<name>', 'stream name')
      .option('--shards <n>', 'initial shard count (provisioned streams)', positiveInt('--shards'))
      .option('--on-demand', 'create an on-demand stream instead (no --shards; not autoscaled)')
      .option('--subscribe', 'also create its scale-up and scale-down alarms')
      .option('--no-wait', 'return without waiting for ACTIVE')
      .option('--timeout <seconds>', 'how long to wait for ACTIVE', number('--timeout'), 120),
  ).action(
    run(
      async (
        ctx,
        name: string,
        opts: SubscribeFlags & {
          shards?: number;
          onDemand?: boolean;
          subscribe?: boolean;
          wait: boolean;
          timeout: number;
        },
      ) => {
        // Refused before anything is created, so a usage mistake leaves no stream behind.
        if (opts.onDemand && opts.shards !== undefined)
          throw new KitError(
            'on-demand streams size themselves: drop --shards, or drop --on-demand for a provisioned stream',
            EXIT.usage,
          );
        if (opts.onDemand && opts.subscribe)
          throw new KitError(
            'on-demand streams are not autoscaled: --subscribe needs a provisioned stream (--shards <n>)',
            EXIT.usage,
          );
        if (!opts.onDemand && opts.shards === undefined)
          throw new KitError(
            'create-stream needs --shards <n> for a provisioned stream, or --on-demand',
            EXIT.usage,
          );
        if (opts.subscribe) checkThresholds(subscribeSettings(opts));
        await createStream(ctx.clients.kinesis, {
          name,
          shards: opts.shards ?? 0,
          onDemand: Boolean(opts.onDemand),
        });
        const summary = opts.wait
          ? await waitForStream(ctx.clients.kinesis, name, {
              timeoutMs: opts.timeout * 1000,
              pollMs: 500,
              sleep: realSleep,
              now: Date.now,
            })
          : undefined;
        const subscription = opts.subscribe
          ? await subscribe(ctx.clients, await subscribeInput(ctx, name, opts))
          : undefined;
        ctx.print(
          `created stream ${name} with ${opts.onDemand ? 'on-demand capacity' : plural(opts.shards, 'shard')}${summary ? ' (ACTIVE)' : ''}` +
            (subscription
              ? `\nsubscribed: alarms ${subscription.alarms.up}, ${subscription.alarms.down}`
              : ''),
          {
            stream: name,
            shards: opts.shards ?? null,
            mode: opts.onDemand ? 'ON_DEMAND' : 'PROVISIONED',
            status: summary?.StreamStatus ?? 'CREATING',
            subscription,
          },
        );
      },
    ),
  );

  subscribeOptions(
    program
      .command('subscribe')
      .description(
        "create or update the stream's two alarms, wired to the deployed autoscaler's topics (idempotent)",
      )
      .argument('<name>', 'stream name'),
  ).action(
    run(async (ctx, name: string, opts: SubscribeFlags) => {
      const s = await subscribe(ctx.clients, await subscribeInput(ctx, name, opts));
      const tags = Object.entries(s.tags).map(([k, v]) => `${k}=${v}`);
      ctx.print(
        [
          `subscribed ${name} (${plural(s.shards, 'open shard')}) to the autoscaler of stage ${ctx.stage}`,
          `  alarms: ${s.alarms.up}, ${s.alarms.down}${s.scaleDownActionsEnabled ? '' : ' (scale-down actions off at min shards)'}`,
          ...(tags.length ? [`  tags:   ${tags.join(', ')}`] : []),
        ].join('\n'),
        s,
      );
    }),
  );

  program
    .command('unsubscribe')
    .description("delete the stream's two alarms")
    .argument('<name>', 'stream name')
    .action(
      run(async (ctx, name: string) => {
        const deleted = await unsubscribe(ctx.clients.cloudwatch, name);
        ctx.print(`deleted alarms ${deleted.join(', ')}`, { stream: name, deleted });
      }),
    );

  program
    .command('fire')
    .description(
      "set the stream's scale-up or scale-down alarm to ALARM, so CloudWatch publishes through SNS",
    )
    .argument('<name>', 'stream name')
    .argument('<direction>', 'up or down')
    .action(
      run(async (ctx, name: string, direction: string) => {
        if (direction !== 'up' && direction !== 'down') {
          throw new KitError(
            `direction must be "up" or "down", got ${JSON.stringify(direction)}`,
            EXIT.usage,
          );
        }
        const alarm = await fire(ctx.clients.cloudwatch, name, direction as Direction);
        ctx.print(
          `set ${alarm} to ALARM` +
            (direction === 'up'
              ? `\nnote: a stream without traffic does not stay scaled up: its scale-down alarm sees an idle stream and scales it back down (on the emulator about a minute after the scale-up). Keep it busy with \`kas load ${name} --mibps <x> --duration <s>\`, or watch with \`kas status ${name} --watch\`.`
              : ''),
          { stream: name, direction, alarm, state: 'ALARM' },
        );
      }),
    );

  program
    .command('wait')
    .description('wait until the stream is ACTIVE with N open shards (exit 3 on timeout)')
    .argument('<name>', 'stream name')
    .requiredOption('--shards <n>', 'open shard count to wait for', positiveInt('--shards'))
    .option('--timeout <seconds>', 'give up after this long', number('--timeout'), 300)
    .option('--interval <seconds>', 'poll interval', number('--interval'), 2)
    .action(
      run(
        async (ctx, name: string, opts: { shards: number; timeout: number; interval: number }) => {
          const startedAt = Date.now();
          const summary = await waitForStream(ctx.clients.kinesis, name, {
            shards: opts.shards,
            timeoutMs: opts.timeout * 1000,
            pollMs: opts.interval * 1000,
            sleep: realSleep,
            now: Date.now,
            mustExist: true,
          });
          const seconds = Math.round((Date.now() - startedAt) / 100) / 10;
          ctx.print(
            `stream ${name} is ACTIVE with ${plural(summary.OpenShardCount, 'open shard')} (waited ${seconds} s)`,
            {
              stream: name,
              status: summary.StreamStatus,
              openShards: summary.OpenShardCount,
              waitedSeconds: seconds,
            },
          );
        },
      ),
    );

  program
    .command('logs')
    .description("the stream's scaling log from DynamoDB, newest first")
    .argument('<name>', 'stream name')
    .option('--limit <n>', 'how many entries', positiveInt('--limit'), 20)
    .action(
      run(async (ctx, name: string, opts: { limit: number }) => {
        const stack = await ctx.autoscaler();
        const entries = await readScalingLog(
          ctx.clients.dynamodb,
          stack.logTable,
          name,
          opts.limit,
        );
        // A deleted stream keeps its log; a name with neither stream nor log is a mistake.
        if (entries.length === 0) await describeStream(ctx.clients.kinesis, name);
        const lines = entries.map(formatScalingLogEntry);
        ctx.print(lines.length ? lines.join('\n') : `no scaling log entries for ${name}`, entries);
      }),
    );
}

async function subscribeInput(
  ctx: { autoscaler(): Promise<SubscribeInput['stack']> },
  stream: string,
  opts: SubscribeFlags,
): Promise<SubscribeInput> {
  const settings = subscribeSettings(opts);
  // Checked before the stack lookup, so a usage mistake is named as such wherever it is made.
  checkThresholds(settings);
  return { stream, stack: await ctx.autoscaler(), ...settings };
}

function subscribeSettings(
  opts: SubscribeFlags,
): Pick<SubscribeInput, 'overrides' | 'scaleUp' | 'scaleDown'> {
  const overrides: SubscribeInput['overrides'] = {};
  if (opts.minShards !== undefined) overrides.minShards = opts.minShards;
  if (opts.maxShards !== undefined) overrides.maxShards = opts.maxShards;
  if (opts.targetUtilization !== undefined) overrides.targetUtilization = opts.targetUtilization;
  if (opts.policy !== undefined) overrides.policy = opts.policy;
  const scaleUp: SubscribeInput['scaleUp'] = {};
  const scaleDown: SubscribeInput['scaleDown'] = {};
  if (opts.scaleUpThreshold !== undefined) scaleUp.threshold = opts.scaleUpThreshold;
  if (opts.scaleDownThreshold !== undefined) scaleDown.threshold = opts.scaleDownThreshold;
  if (opts.period !== undefined) scaleUp.periodSeconds = opts.period;
  if (opts.scaleDownPeriod !== undefined) scaleDown.periodSeconds = opts.scaleDownPeriod;
  return { overrides, scaleUp, scaleDown };
}
