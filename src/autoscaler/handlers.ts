import { Logger } from '@aws-lambda-powertools/logger';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SNSEvent } from 'aws-lambda';
import { createClients, THROTTLED_CALLER_RETRIES } from '../aws/clients.js';
import type { Direction } from './alarm-contract.js';
import { loadServiceConfig } from './config.js';
import { reconcileAll, type ReconcileReport } from './reconciler.js';
import { handleSnsEvent, type Outcome, type ScalerDeps } from './scaler.js';
import { ScalingLog } from './scaling-log.js';

/**
 * The Lambda entry points (one per SNS topic, and the scheduled reconciler) over one core. Clients
 * and configuration are built once per container; a configuration error fails every invocation with
 * the same clear message.
 */
const logger = new Logger({ serviceName: 'kinesis-autoscaler' });
let deps: ScalerDeps | undefined;

/**
 * The services' clock: the SDK sets `systemClockOffset` from the `Date` header of each response, so
 * after one CloudWatch call this is CloudWatch's time (the emulator's virtual time under test).
 */
export function serviceClock(cloudwatch: CloudWatchClient): () => number {
  return () => Date.now() + (cloudwatch.config.systemClockOffset ?? 0);
}

function dependencies(): ScalerDeps {
  if (!deps) {
    const config = loadServiceConfig(process.env);
    const clients = createClients({}, process.env, THROTTLED_CALLER_RETRIES);
    const topics: Partial<Record<Direction, string>> = {};
    if (process.env.SCALE_UP_TOPIC_ARN) topics.up = process.env.SCALE_UP_TOPIC_ARN;
    if (process.env.SCALE_DOWN_TOPIC_ARN) topics.down = process.env.SCALE_DOWN_TOPIC_ARN;
    deps = {
      kinesis: clients.kinesis,
      cloudwatch: clients.cloudwatch,
      scalingLog: new ScalingLog(clients.dynamodb, config.scalingLogTable),
      config,
      logger,
      now: serviceClock(clients.cloudwatch),
      topics,
    };
  }
  return deps;
}

async function run(direction: Direction, event: SNSEvent | unknown): Promise<Outcome[]> {
  return handleSnsEvent(event, direction, dependencies());
}

export const scaleUp = (event: SNSEvent) => run('up', event);
export const scaleDown = (event: SNSEvent) => run('down', event);
/** Runs on a schedule (an EventBridge rule); the event carries nothing it needs. */
export const reconcile = (): Promise<ReconcileReport> => reconcileAll(dependencies());
