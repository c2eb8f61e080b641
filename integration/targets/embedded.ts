import { LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig, createClients } from '../../src/aws/clients.js';
import { ManualClock } from '../../src/emulator/clock.js';
import { Emulator } from '../../src/emulator/emulator.js';
import { packageStage } from '../../src/kit/package.js';
import { findAutoscaler, stackName } from '../../src/kit/stack.js';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { E2ETarget } from '../target.js';

const RESHARDING_MS = 30_000;

/**
 * The embedded emulator in this process on a manual clock: waits advance virtual time, so the
 * suite covers alarm evaluation and day-long quotas in seconds, deterministically.
 */
export async function openEmbedded(): Promise<E2ETarget> {
  const packageDir = await packageStage('local');
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 9, 0, 0));
  const logs: string[] = [];
  const emulator = await Emulator.start({
    port: 0,
    clock,
    reshardingMs: RESHARDING_MS,
    onLambdaLog: (fn, line) => logs.push(`${fn}: ${line}`),
  });
  await emulator.deployPackage({ packageDir, stackName: stackName('local') });
  const aws = { endpoint: emulator.url, region: 'us-east-1' };
  const config = clientConfig(aws, {});
  const cf = new CloudFormationClient(config);
  const stack = await findAutoscaler(cf, 'local', 'us-east-1').finally(() => cf.destroy());
  const clients = createClients(aws, {});
  const lambda = new LambdaClient(config);
  let n = 0;
  return {
    name: 'embedded',
    clients,
    lambda,
    stack,
    functionName: (d) => `kinesis-autoscaler-local-${d === 'up' ? 'scaleUp' : 'scaleDown'}`,
    noAlarmEvaluation: undefined,
    noFastTime: undefined,
    sleep: (ms) => clock.advance(ms),
    now: () => clock.now(),
    reshardTimeoutMs: RESHARDING_MS * 3,
    settle: () => clock.advance(0),
    lambdaLogs: () => logs,
    uniqueName: (base) => `${base}-${++n}`,
    close: async () => {
      for (const c of Object.values(clients)) c.destroy();
      lambda.destroy();
      await emulator.stop();
    },
  };
}
