import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { AwsClients } from '../../src/aws/clients.js';
import type { AutoscalerStack } from '../../src/kit/stack.js';
import type { Sleep } from '../../src/kit/time.js';

export const TARGETS = ['embedded', 'endpoint', 'container', 'localstack', 'aws'] as const;
export type TargetName = (typeof TARGETS)[number];

/** What a scenario runs against; every target deploys the same packaged autoscaler. */
export interface E2ETarget {
  name: TargetName;
  clients: AwsClients;
  lambda: LambdaClient;
  stack: AutoscalerStack;
  /** Names the scaling functions of the deployed stack. */
  functionName: (direction: 'up' | 'down') => string;
  /** Why real load cannot fire alarms here, or undefined when CloudWatch evaluates math alarms. */
  noAlarmEvaluation: string | undefined;
  /** Why day-long scenarios cannot run here, or undefined when time is cheap. */
  noFastTime: string | undefined;
  sleep: Sleep;
  now: () => number;
  /** Longest a stream takes to reshard here; bounds the waits. */
  reshardTimeoutMs: number;
  /** Lets asynchronous deliveries (SNS -> Lambda) finish before asserting. */
  settle: () => Promise<void>;
  /** Lambda log lines, where the target can show them. */
  lambdaLogs: () => string[];
  uniqueName: (base: string) => string;
  /** Makes a service's API fail for `durationMs` of the target's time; only the embedded emulator can. */
  injectFault?: (service: 'kinesis' | 'cloudwatch' | 'dynamodb', durationMs: number) => void;
  close: () => Promise<void>;
}
