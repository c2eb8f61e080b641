import type { Command } from 'commander';
import { DEFAULT_HOST, DEFAULT_PORT, Emulator, SERVICE_NAMES } from '../../emulator/emulator.js';
import { deployStage } from '../../kit/package.js';
import { stackName } from '../../kit/stack.js';
import type { Io, Run } from '../context.js';
import { number, positiveInt } from '../options.js';

export interface LocalOptions {
  port: number;
  host: string;
  deploy: boolean;
  reshardingSeconds: number;
  verbose?: boolean;
}

export function localCommand(program: Command, run: Run, io: Io): void {
  program
    .command('local')
    .description(
      'run the embedded AWS emulator with the autoscaler deployed (what `npm start` runs)',
    )
    .option('--port <port>', 'port to listen on', positiveInt('--port'), DEFAULT_PORT)
    .option(
      '--host <host>',
      'address to bind (loopback by default: any credentials are accepted)',
      DEFAULT_HOST,
    )
    .option('--no-deploy', 'start the emulator without deploying the autoscaler')
    .option('--verbose', "print the deployment's progress (`sls deploy` output)")
    .option(
      '--resharding-seconds <s>',
      'how long UpdateShardCount keeps a stream UPDATING',
      number('--resharding-seconds'),
      10,
    )
    .action(
      run(async (ctx, opts: LocalOptions) => {
        const region = ctx.target.region;
        const emulator = await Emulator.start({
          port: opts.port,
          host: opts.host,
          defaultRegion: region,
          reshardingMs: opts.reshardingSeconds * 1000,
        });
        const stopped = new Promise<void>((resolve) => {
          const stop = () => {
            io.err('\nstopping the emulator...');
            void emulator.stop().then(resolve);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        const lines = [
          `kinesis-autoscaler emulator listening on ${emulator.url}`,
          `services: ${SERVICE_NAMES.join(', ')}; region ${region}; account ${emulator.accountId}`,
        ];
        if (opts.deploy) {
          // The same path as a user's `sls deploy --stage local`: through the emulator's S3 and
          // CloudFormation, so what runs here is what that deploys.
          io.err(`deploying the autoscaler (sls deploy --stage local) to ${emulator.url}...`);
          await deployStage('local', {
            region,
            endpoint: emulator.url,
            onOutput: (line) => {
              if (opts.verbose) io.err(`[sls] ${line}`);
            },
          });
          const stack = emulator.cloudformation.getStack(region, stackName('local'));
          lines.push(
            `deployed stack ${stackName('local')}:`,
            ...(stack?.resources ?? [])
              .filter((r) => r.status !== 'NO_OP')
              .map((r) => `  ${r.type.padEnd(24)} ${r.physicalId}`),
            ...(stack?.outputs ?? []).map((o) => `  output ${o.key} = ${o.value}`),
          );
        }
        lines.push(
          '',
          'try, in another terminal:',
          `  export AWS_ENDPOINT_URL=${emulator.url} AWS_REGION=${region}`,
          '  npx kas create-stream orders --shards 1 --subscribe',
          '  npx kas fire orders up && npx kas wait orders --shards 2',
          '  npx kas load orders --mibps 2 --duration 180   # real load; the alarm fires by itself',
          '  npx kas status && npx kas logs orders',
          `  aws --endpoint-url ${emulator.url} kinesis list-streams`,
          '',
          'Ctrl-C stops it.',
        );
        ctx.print(lines.join('\n'), {
          endpoint: emulator.url,
          region,
          services: SERVICE_NAMES,
          deployed: opts.deploy,
        });
        await stopped;
      }),
    );
}
