import { LambdaClient } from '@aws-sdk/client-lambda';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { randomBytes } from 'node:crypto';
import { clientConfig, createClients, type AwsTarget } from '../../src/aws/clients.js';
import { findAutoscaler } from '../../src/kit/stack.js';
import { realSleep } from '../../src/kit/time.js';
import type { E2ETarget, TargetName } from './types.js';

/**
 * Connects to a deployed autoscaler: by default over the network in real time (a running endpoint,
 * LocalStack or AWS); the embedded target passes its own clock and log instead.
 */
export async function connectTarget(input: {
  name: TargetName;
  aws: AwsTarget;
  /** Environment for credentials; the embedded target passes `{}` so none of the user's leak in. */
  env?: NodeJS.ProcessEnv;
  stage: string;
  noAlarmEvaluation: string | undefined;
  noFastTime: string | undefined;
  reshardTimeoutMs: number;
  time?: Pick<E2ETarget, 'sleep' | 'now' | 'settle'>;
  lambdaLogs?: () => string[];
  uniqueName?: (base: string) => string;
  injectFault?: E2ETarget['injectFault'];
  close?: () => Promise<void>;
}): Promise<E2ETarget> {
  const config = clientConfig(input.aws, input.env);
  const cf = new CloudFormationClient(config);
  const stack = await findAutoscaler(cf, input.stage, config.region).finally(() => cf.destroy());
  const clients = createClients(input.aws, input.env);
  const lambda = new LambdaClient(config);
  const suffix = randomBytes(3).toString('hex');
  return {
    name: input.name,
    clients,
    lambda,
    stack,
    functionName: (d) =>
      `kinesis-autoscaler-${input.stage}-${d === 'up' ? 'scaleUp' : 'scaleDown'}`,
    noAlarmEvaluation: input.noAlarmEvaluation,
    noFastTime: input.noFastTime,
    reshardTimeoutMs: input.reshardTimeoutMs,
    ...(input.time ?? {
      sleep: realSleep,
      now: Date.now,
      // Deliveries are asynchronous and out of reach; scenarios poll for their effects instead.
      settle: () => realSleep(2_000),
    }),
    lambdaLogs: input.lambdaLogs ?? (() => []),
    uniqueName: input.uniqueName ?? ((base) => `kas-e2e-${base}-${suffix}`),
    ...(input.injectFault ? { injectFault: input.injectFault } : {}),
    close: async () => {
      for (const c of Object.values(clients)) c.destroy();
      lambda.destroy();
      await input.close?.();
    },
  };
}
