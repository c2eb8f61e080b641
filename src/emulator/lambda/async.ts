import type {
  InvocationType,
  LambdaInvoker,
  NotificationPublisher,
  QueueSender,
} from '../contracts.js';
import type { LambdaErrorPayload, RunOutcome } from './environment.js';
import { eventInvokeConfigSchema, invalidParameter, parseLambdaInput } from './validation.js';

/**
 * Lambda's asynchronous invocation rules: retries, the maximum event age, and the records sent to
 * on-success / on-failure destinations and dead-letter queues (Lambda Developer Guide,
 * "Asynchronous invocation" and "Capturing records of asynchronous invocations").
 */

/** Lambda's async retry schedule: two retries, about one and then two minutes apart. */
export const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];
export const DEFAULT_MAX_RETRIES = 2;
/** Events wait in the async queue for up to six hours by default. */
export const DEFAULT_MAX_EVENT_AGE_S = 21_600;

export interface DestinationConfig {
  OnSuccess?: { Destination?: string };
  OnFailure?: { Destination?: string };
}

export interface EventInvokeConfig {
  FunctionArn: string;
  /** Epoch seconds, as the REST API writes it. */
  LastModified: number;
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
  DestinationConfig: { OnSuccess: { Destination?: string }; OnFailure: { Destination?: string } };
}

/** Where records go: services named by ARN, possibly in another region. */
export interface DestinationTargets {
  queues?: QueueSender;
  publisher?: NotificationPublisher;
  invoker?: LambdaInvoker;
}

export interface AsyncEvent {
  requestId: string;
  payload: string;
  /** Clock time the event was accepted. */
  enqueuedAt: number;
}

export type FailureCondition = 'RetriesExhausted' | 'EventAgeExceeded';

/** The invocation record Lambda sends to a destination. */
export function invocationRecord(input: {
  event: AsyncEvent;
  functionArn: string;
  at: number;
  condition: FailureCondition | 'Success';
  invokeCount: number;
  outcome: RunOutcome | undefined;
}): string {
  const { event, outcome } = input;
  let requestPayload: unknown;
  try {
    requestPayload = JSON.parse(event.payload);
  } catch {
    requestPayload = event.payload;
  }
  const record: Record<string, unknown> = {
    version: '1.0',
    timestamp: new Date(input.at).toISOString(),
    requestContext: {
      requestId: event.requestId,
      functionArn: `${input.functionArn}:$LATEST`,
      condition: input.condition,
      approximateInvokeCount: input.invokeCount,
    },
    requestPayload,
  };
  if (outcome) {
    record.responseContext = {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(outcome.ok ? {} : { functionError: 'Unhandled' }),
    };
    record.responsePayload = outcome.ok ? parseOr(outcome.payload) : errorPayload(outcome.error);
  }
  return JSON.stringify(record);
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorPayload(error: LambdaErrorPayload): Record<string, unknown> {
  return {
    errorType: error.errorType,
    errorMessage: error.errorMessage,
    ...(error.trace ? { trace: error.trace } : {}),
  };
}

/**
 * Sends `body` to the destination named by `arn`. Resolves once it is accepted; rejects with the
 * reason when it cannot be (a missing queue), which the caller logs as Lambda does.
 */
export async function deliver(
  targets: DestinationTargets,
  arn: string,
  body: string,
  attributes?: Record<string, { DataType: string; StringValue?: string }>,
): Promise<void> {
  const service = arn.split(':')[2];
  if (service === 'sqs' && targets.queues) {
    targets.queues.sendToArn(arn, body, attributes);
    return;
  }
  if (service === 'sns' && targets.publisher) {
    await targets.publisher.publish({ topicArn: arn, message: body });
    return;
  }
  if (service === 'lambda' && targets.invoker) {
    const type: InvocationType = 'Event';
    await targets.invoker.invoke(arn, body, type);
    return;
  }
  throw new Error(`the embedded emulator cannot deliver to ${arn}`);
}

/** The dead-letter queue message: the event itself, with the error in message attributes. */
export function deadLetterAttributes(
  requestId: string,
  outcome: RunOutcome | undefined,
): Record<string, { DataType: string; StringValue: string }> {
  const attrs: Record<string, { DataType: string; StringValue: string }> = {
    RequestID: { DataType: 'String', StringValue: requestId },
    ErrorCode: { DataType: 'Number', StringValue: '200' },
  };
  if (outcome && !outcome.ok) {
    attrs.ErrorMessage = { DataType: 'String', StringValue: outcome.error.errorMessage };
  }
  return attrs;
}

/** Validates Put/UpdateFunctionEventInvokeConfig input; Update passes the current config as `base`. */
export function eventInvokeConfig(args: {
  functionArn: string;
  input: Record<string, unknown>;
  base: EventInvokeConfig | undefined;
  now: number;
}): EventInvokeConfig {
  const { functionArn, base } = args;
  const valid = parseLambdaInput(eventInvokeConfigSchema, args.input);
  const own = `${functionArn}:$LATEST`;
  for (const d of [valid.DestinationConfig?.OnSuccess, valid.DestinationConfig?.OnFailure]) {
    if (d?.Destination === functionArn || d?.Destination === own) {
      throw invalidParameter("You can't specify the function as a destination for itself.");
    }
  }
  const config: EventInvokeConfig = {
    FunctionArn: own,
    LastModified: args.now / 1000,
    DestinationConfig: {
      OnSuccess: valid.DestinationConfig?.OnSuccess ?? base?.DestinationConfig.OnSuccess ?? {},
      OnFailure: valid.DestinationConfig?.OnFailure ?? base?.DestinationConfig.OnFailure ?? {},
    },
  };
  const retries = valid.MaximumRetryAttempts ?? base?.MaximumRetryAttempts;
  const age = valid.MaximumEventAgeInSeconds ?? base?.MaximumEventAgeInSeconds;
  if (retries !== undefined) config.MaximumRetryAttempts = retries;
  if (age !== undefined) config.MaximumEventAgeInSeconds = age;
  return config;
}
