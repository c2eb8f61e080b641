import { Logger } from '@aws-lambda-powertools/logger';
import type { SNSEvent } from 'aws-lambda';
import { createClients } from '../aws/clients.js';
import type { Direction } from './alarm-contract.js';
import { loadServiceConfig } from './config.js';
import { handleSnsEvent, type Outcome, type ScalerDeps } from './scaler.js';
import { ScalingLog } from './scaling-log.js';

/**
 * The two Lambda entry points (one per SNS topic) over one core. Clients and configuration are built
 * once per container; a configuration error fails every invocation with the same clear message.
 */
const logger = new Logger({ serviceName: 'kinesis-autoscaler' });
let deps: ScalerDeps | undefined;

function dependencies(): ScalerDeps {
  if (!deps) {
    const config = loadServiceConfig(process.env);
    const clients = createClients();
    deps = {
      kinesis: clients.kinesis,
      cloudwatch: clients.cloudwatch,
      scalingLog: new ScalingLog(clients.dynamodb, config.scalingLogTable),
      config,
      logger,
    };
  }
  return deps;
}

async function run(direction: Direction, event: SNSEvent | unknown): Promise<Outcome[]> {
  return handleSnsEvent(event, direction, dependencies());
}

export const scaleUp = (event: SNSEvent) => run('up', event);
export const scaleDown = (event: SNSEvent) => run('down', event);
