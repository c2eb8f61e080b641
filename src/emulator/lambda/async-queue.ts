import type { Clock, TimerHandle } from '../clock.js';
import { AwsError } from '../protocol/errors.js';
import {
  ASYNC_RETRY_DELAYS_MS,
  deadLetterAttributes,
  DEFAULT_MAX_EVENT_AGE_S,
  DEFAULT_MAX_RETRIES,
  deliver,
  eventInvokeConfig,
  invocationRecord,
  type AsyncEvent,
  type DestinationTargets,
  type EventInvokeConfig,
  type FailureCondition,
} from './async.js';
import type { RunOutcome } from './environment.js';

/**
 * What the queue needs of a function. The settings live on the function itself so they go away
 * with it, as Lambda's do.
 */
export interface QueuedFunction {
  readonly deleted: boolean;
  readonly config: { FunctionArn: string; DeadLetterConfig?: { TargetArn?: string } };
  eventInvokeConfig?: EventInvokeConfig;
}

export interface AsyncQueueOptions<F extends QueuedFunction> {
  clock: Clock;
  destinations: DestinationTargets;
  /** Runs one attempt of an event; rejects only when the function goes away while it waits. */
  execute: (
    fn: F,
    requestId: string,
    payload: string,
    attempt: number,
  ) => Promise<{ outcome: RunOutcome }>;
  recordLog: (fn: F, line: string) => void;
}

/**
 * Lambda's asynchronous invocation for one region's functions: events accepted with a 202 run
 * later, retry on the clock, and end in destinations or a dead-letter queue, as each function's
 * EventInvokeConfig says.
 */
export class AsyncQueue<F extends QueuedFunction> {
  private readonly retryTimers = new Set<TimerHandle>();
  private disposed = false;

  constructor(private readonly opts: AsyncQueueOptions<F>) {}

  /** Starts an event's first attempt; the clock tracks it, since nobody awaits it. */
  enqueue(fn: F, requestId: string, payload: string): void {
    const event: AsyncEvent = { requestId, payload, enqueuedAt: this.opts.clock.now() };
    void this.opts.clock.track(this.runAsync(fn, event, 0));
  }

  /** Cancels pending retries; events already running end without records. */
  dispose(): void {
    this.disposed = true;
    for (const handle of this.retryTimers) this.opts.clock.clearTimer(handle);
    this.retryTimers.clear();
  }

  putConfig(fn: F, input: Record<string, unknown>, merge: boolean): EventInvokeConfig {
    if (merge && !fn.eventInvokeConfig) throw noEventInvokeConfig(fn);
    const config = eventInvokeConfig({
      functionArn: fn.config.FunctionArn,
      input,
      base: merge ? fn.eventInvokeConfig : undefined,
      now: this.opts.clock.now(),
    });
    fn.eventInvokeConfig = config;
    return structuredClone(config);
  }

  getConfig(fn: F): EventInvokeConfig {
    if (!fn.eventInvokeConfig) throw noEventInvokeConfig(fn);
    return structuredClone(fn.eventInvokeConfig);
  }

  listConfigs(fn: F): { FunctionEventInvokeConfigs: EventInvokeConfig[] } {
    return {
      FunctionEventInvokeConfigs: fn.eventInvokeConfig
        ? [structuredClone(fn.eventInvokeConfig)]
        : [],
    };
  }

  deleteConfig(fn: F): void {
    if (!fn.eventInvokeConfig) throw noEventInvokeConfig(fn);
    delete fn.eventInvokeConfig;
  }

  /**
   * One attempt of an async event, then what Lambda does next: a retry after the schedule's delay
   * while attempts and the event's age allow, else the on-failure destination and dead-letter
   * queue; on success, the on-success destination.
   */
  private async runAsync(fn: F, event: AsyncEvent, attempt: number): Promise<void> {
    if (fn.deleted) return;
    const maxAgeMs =
      (fn.eventInvokeConfig?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_EVENT_AGE_S) * 1000;
    const maxRetries = fn.eventInvokeConfig?.MaximumRetryAttempts ?? DEFAULT_MAX_RETRIES;
    let outcome: RunOutcome;
    try {
      ({ outcome } = await this.opts.execute(fn, event.requestId, event.payload, attempt));
    } catch (err) {
      // Nobody awaits an async event, and a rejection would surface from the clock's advance():
      // the only way here is the function being deleted mid-flight, which ends the event.
      this.opts.recordLog(fn, `Async event ${event.requestId} abandoned: ${String(err)}`);
      return;
    }
    if (fn.deleted || this.disposed) return;
    if (outcome.ok) {
      await this.sendRecord(fn, event, 'Success', attempt + 1, outcome);
      return;
    }
    const delay = ASYNC_RETRY_DELAYS_MS[attempt];
    if (attempt >= maxRetries || delay === undefined) {
      await this.failEvent(fn, event, 'RetriesExhausted', attempt + 1, outcome);
      return;
    }
    const handle = this.opts.clock.setTimeout(() => {
      this.retryTimers.delete(handle);
      // An event older than its maximum age is discarded instead of retried.
      if (this.opts.clock.now() - event.enqueuedAt > maxAgeMs) {
        return this.failEvent(fn, event, 'EventAgeExceeded', attempt + 1, outcome);
      }
      return this.runAsync(fn, event, attempt + 1);
    }, delay);
    this.retryTimers.add(handle);
  }

  private async failEvent(
    fn: F,
    event: AsyncEvent,
    condition: FailureCondition,
    invokeCount: number,
    outcome: RunOutcome,
  ): Promise<void> {
    if (fn.deleted || this.disposed) return;
    await this.sendRecord(fn, event, condition, invokeCount, outcome);
    const dlq = fn.config.DeadLetterConfig?.TargetArn;
    if (dlq) {
      await this.deliverTo(fn, dlq, event.payload, deadLetterAttributes(event.requestId, outcome));
    }
  }

  private async sendRecord(
    fn: F,
    event: AsyncEvent,
    condition: FailureCondition | 'Success',
    invokeCount: number,
    outcome: RunOutcome,
  ): Promise<void> {
    const destinations = fn.eventInvokeConfig?.DestinationConfig;
    const arn =
      condition === 'Success'
        ? destinations?.OnSuccess.Destination
        : destinations?.OnFailure.Destination;
    if (!arn) return;
    const record = invocationRecord({
      event,
      functionArn: fn.config.FunctionArn,
      at: this.opts.clock.now(),
      condition,
      invokeCount,
      outcome,
    });
    await this.deliverTo(fn, arn, record);
  }

  private async deliverTo(
    fn: F,
    arn: string,
    body: string,
    attributes?: Record<string, { DataType: string; StringValue?: string }>,
  ): Promise<void> {
    try {
      await deliver(this.opts.destinations, arn, body, attributes);
    } catch (err) {
      // Lambda drops a record it cannot deliver; the function's log says so.
      this.opts.recordLog(fn, `Failed to deliver the invocation record to ${arn}: ${String(err)}`);
    }
  }
}

function noEventInvokeConfig(fn: QueuedFunction): AwsError {
  return new AwsError(
    'ResourceNotFoundException',
    `The function ${fn.config.FunctionArn}:$LATEST doesn't have an EventInvokeConfig`,
    404,
  );
}
