import { LambdaClient } from '@aws-sdk/client-lambda';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { randomBytes } from 'node:crypto';
import { clientConfig, createClients, type AwsTarget } from '../../src/aws/clients.js';
import { findAutoscaler } from '../../src/kit/stack.js';
import { realSleep } from '../../src/kit/time.js';
import type { E2ETarget, TargetName } from '../target.js';

/** A target reached over the network in real time: a running endpoint, LocalStack or AWS. */
export async function openRemote(input: {
  name: TargetName;
  aws: AwsTarget;
  stage: string;
  noAlarmEvaluation: string | undefined;
  noFastTime: string | undefined;
  reshardTimeoutMs: number;
  close?: () => Promise<void>;
}): Promise<E2ETarget> {
  const config = clientConfig(input.aws);
  const cf = new CloudFormationClient(config);
  const stack = await findAutoscaler(cf, input.stage, config.region).finally(() => cf.destroy());
  const clients = createClients(input.aws);
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
    sleep: realSleep,
    now: Date.now,
    reshardTimeoutMs: input.reshardTimeoutMs,
    // Deliveries are asynchronous and out of reach; scenarios poll for their effects instead.
    settle: () => realSleep(2_000),
    lambdaLogs: () => [],
    uniqueName: (base) => `kas-e2e-${base}-${suffix}`,
    close: async () => {
      for (const c of Object.values(clients)) c.destroy();
      lambda.destroy();
      await input.close?.();
    },
  };
}
