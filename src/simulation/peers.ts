/**
 * Deploys a peer (the seed, the AWS sample) into the emulator as the Lambda it is: its handler in
 * `src/peers/<name>/` is bundled with esbuild and zipped as `sls package` would, created through the
 * Lambda API, subscribed to its own SNS topics, and given its own alarms. From there it is driven by
 * the same loop as ours: alarms -> SNS -> Lambda -> UpdateShardCount, quotas and resharding times.
 */
import { join } from 'node:path';
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  type PutMetricAlarmInput,
} from '@aws-sdk/client-cloudwatch';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { build } from 'esbuild';
import JSZip from 'jszip';
import { buildAlarmPair, type AlarmSettings } from '../autoscaler/alarm-contract.js';
import { clientConfig } from '../aws/clients.js';
import type { Emulator } from '../emulator/emulator.js';
import { doubleHalveAlarm } from '../peers/double-halve/decide.js';

export const PEERS = ['seed', 'double-halve'] as const;
export type PeerName = (typeof PEERS)[number];

const PEER_DIR = join(import.meta.dirname, '..', 'peers');
const bundles = new Map<PeerName, Promise<Buffer>>();

/** The peer's zip, built once per process (every run deploys the same code). */
export function peerZip(peer: PeerName): Promise<Buffer> {
  let zip = bundles.get(peer);
  if (!zip) {
    zip = (async () => {
      const out = await build({
        entryPoints: [join(PEER_DIR, peer, 'handler.ts')],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node22',
        minify: true,
        write: false,
        logLevel: 'silent',
      });
      const archive = new JSZip();
      archive.file('handler.js', out.outputFiles[0]!.contents);
      return archive.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    })();
    bundles.set(peer, zip);
  }
  return zip;
}

export interface PeerDeployment {
  functionName: string;
}

/**
 * Creates the peer's function, topics and alarms for `stream` at `shards` open shards. The seed
 * keeps the alarm contract ours inherited from it (two topics, a `shardCount` constant); the sample
 * has one topic for both alarms and its own alarm math.
 */
export async function deployPeer(input: {
  emulator: Emulator;
  peer: PeerName;
  stream: string;
  shards: number;
  scaleUp: AlarmSettings;
  scaleDown: AlarmSettings;
}): Promise<PeerDeployment> {
  const { emulator, peer, stream, shards } = input;
  const config = clientConfig({ endpoint: emulator.url, region: emulator.defaultRegion }, {});
  const lambda = new LambdaClient(config);
  const sns = new SNSClient(config);
  const cloudwatch = new CloudWatchClient(config);
  const functionName = `${peer}-kinesis-scaler`;
  try {
    const fn = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: functionName,
        Runtime: 'nodejs22.x',
        Role: `arn:aws:iam::${emulator.accountId}:role/${peer}-scaler`,
        Handler: 'handler.handler',
        Code: { ZipFile: await peerZip(peer) },
        Timeout: 60,
        MemorySize: 256,
      }),
    );
    const topic = async (name: string) => {
      const arn = (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn!;
      await sns.send(
        new SubscribeCommand({ TopicArn: arn, Protocol: 'lambda', Endpoint: fn.FunctionArn }),
      );
      return arn;
    };
    let alarms: PutMetricAlarmInput[];
    if (peer === 'seed') {
      const pair = buildAlarmPair({
        streamName: stream,
        shardCount: shards,
        scaleUpTopicArn: await topic(`${peer}-scale-up`),
        scaleDownTopicArn: await topic(`${peer}-scale-down`),
        namePrefix: 'seed-',
        scaleUp: input.scaleUp,
        scaleDown: input.scaleDown,
        scaleDownActionsEnabled: shards > 1,
      });
      alarms = [pair.up, pair.down];
    } else {
      const arn = await topic(`${peer}-scaling`);
      alarms = (['up', 'down'] as const).map((direction) =>
        doubleHalveAlarm({
          stream,
          direction,
          shards,
          topicArn: arn,
          ...(shards <= 1 ? { downThreshold: -1 } : {}),
        }),
      );
    }
    for (const alarm of alarms) await cloudwatch.send(new PutMetricAlarmCommand(alarm));
    return { functionName };
  } finally {
    lambda.destroy();
    sns.destroy();
    cloudwatch.destroy();
  }
}
