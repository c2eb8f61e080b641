import { Worker } from 'node:worker_threads';
import type { SkippedWaits } from '../clock.js';

/** What a worker needs to start one function's execution environment. */
export interface EnvironmentSpec {
  runnerUrl: URL;
  taskRoot: string;
  handler: string;
  functionName: string;
  functionArn: string;
  memorySize: number;
  env: Record<string, string>;
  logGroupName: string;
  logStreamName: string;
  /** Set under a virtual clock: the worker skips the waits it would spend idle, recorded here. */
  skippedWaits?: SkippedWaits | undefined;
}

export interface LambdaErrorPayload {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type RunOutcome =
  | { ok: true; payload: string }
  | {
      ok: false;
      error: LambdaErrorPayload;
      /** `handler`: the code threw; the others mean the environment is gone. */
      kind: 'handler' | 'init' | 'timeout' | 'crash';
    };

/** Lambda gives the init phase (loading the handler) its own ten seconds. */
const INIT_LIMIT_MS = 10_000;

interface Pending {
  requestId: string;
  resolve: (outcome: RunOutcome) => void;
  timer?: NodeJS.Timeout;
  /** When the event's timeout falls due (performance.now()); skipped waits move it closer. */
  deadline: number;
  onTimeout: () => void;
}

/**
 * One warm execution environment: a worker thread that has loaded the handler once and runs one
 * event at a time, as a Lambda sandbox does.
 */
export class ExecutionEnvironment {
  private readonly worker: Worker;
  private readonly ready: Promise<LambdaErrorPayload | undefined>;
  private pending: Pending | undefined;
  private partial = '';
  private lastError: unknown;
  private exited = false;
  private closing = false;
  /** Set while the environment is initialising for the first time (a cold start). */
  coldStartMs: number | undefined;

  constructor(
    readonly spec: EnvironmentSpec,
    readonly generation: number,
    private readonly onLine: (line: string) => void,
    private readonly onExit: (env: ExecutionEnvironment) => void,
  ) {
    const started = performance.now();
    this.worker = new Worker(spec.runnerUrl, {
      env: spec.env,
      workerData: {
        taskRoot: spec.taskRoot,
        handler: spec.handler,
        functionName: spec.functionName,
        functionArn: spec.functionArn,
        memorySize: spec.memorySize,
        version: '$LATEST',
        skipIdleWaits: spec.skippedWaits !== undefined,
      },
      // Output goes through the runner's messages; these streams only catch writes that bypass
      // process.stdout (rare), and must be read so they never fill up.
      stdout: true,
      stderr: true,
    });
    this.worker.stdout.on('data', (chunk: Buffer) => this.onText(chunk.toString('utf8')));
    this.worker.stderr.on('data', (chunk: Buffer) => this.onText(chunk.toString('utf8')));
    this.ready = new Promise((resolve) => {
      const onMessage = (msg: { type: string; error?: LambdaErrorPayload }) => {
        if (msg.type === 'ready' || msg.type === 'init-error') {
          this.coldStartMs = performance.now() - started;
          this.worker.off('message', onMessage);
          resolve(msg.type === 'ready' ? undefined : msg.error);
        }
      };
      this.worker.on('message', onMessage);
      this.worker.once('exit', (code) =>
        resolve({
          errorType: 'Runtime.ExitError',
          errorMessage: `Runtime exited during initialisation with exit status ${code}${this.describeLastError()}`,
        }),
      );
    });
    this.worker.on('message', (msg: WorkerMessage) => this.onMessage(msg));
    this.worker.on('error', (err) => {
      this.lastError = err;
      this.emit(`Uncaught Exception in the execution environment: ${String(err)}`);
    });
    this.worker.on('exit', (code) => {
      this.exited = true;
      this.flushPartial();
      this.finish({
        ok: false,
        kind: 'crash',
        error: {
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${this.pending?.requestId ?? ''} Error: Runtime exited with error: exit status ${code}${this.describeLastError()}`,
        },
      });
      this.onExit(this);
    });
  }

  /** True once the worker has exited or is being terminated: it must not take another event. */
  get dead(): boolean {
    return this.exited || this.closing;
  }

  /**
   * Runs one event. `timeoutMs` is wall time: the handler really runs, so only the real clock can
   * tell that it has overrun; the worker is then terminated, as Lambda discards the sandbox.
   */
  async invoke(
    requestId: string,
    payload: string,
    timeoutMs: number,
    invokedFunctionArn: string,
  ): Promise<RunOutcome> {
    const initError = await this.readyWithin(INIT_LIMIT_MS);
    if (initError) {
      this.emit(
        `${new Date().toISOString()}\tundefined\tERROR\tUncaught Exception \t${JSON.stringify(initError)}`,
      );
      await this.terminate();
      return { ok: false, kind: 'init', error: initError };
    }
    if (this.exited) {
      return {
        ok: false,
        kind: 'crash',
        error: {
          errorType: 'Runtime.ExitError',
          errorMessage: 'Runtime exited before the invocation',
        },
      };
    }
    if (this.pending) throw new Error('an execution environment runs one event at a time');
    return new Promise<RunOutcome>((resolve) => {
      const onTimeout = () => {
        const seconds = (timeoutMs / 1000).toFixed(2);
        this.emit(
          `${new Date().toISOString()} ${requestId} Task timed out after ${seconds} seconds`,
        );
        this.finish({
          ok: false,
          kind: 'timeout',
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds`,
          },
        });
        void this.terminate();
      };
      const pending: Pending = {
        requestId,
        resolve,
        deadline: performance.now() + timeoutMs,
        onTimeout,
      };
      pending.timer = setTimeout(onTimeout, timeoutMs);
      this.pending = pending;
      this.worker.postMessage({
        type: 'invoke',
        requestId,
        payload,
        deadline: Date.now() + timeoutMs,
        invokedFunctionArn,
        logGroupName: this.spec.logGroupName,
        logStreamName: this.spec.logStreamName,
      });
    });
  }

  /** Lines written during the event in progress, for `LogType: Tail`. */
  collector: string[] | undefined;

  private readyWithin(limitMs: number): Promise<LambdaErrorPayload | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<LambdaErrorPayload>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            errorType: 'Runtime.InitTimeout',
            errorMessage: `Init phase did not complete within ${limitMs / 1000} seconds`,
          }),
        limitMs,
      );
    });
    return Promise.race([this.ready, limit]).finally(() => clearTimeout(timer));
  }

  async terminate(): Promise<void> {
    if (this.exited) return;
    this.closing = true;
    await this.worker.terminate();
  }

  private onMessage(msg: WorkerMessage): void {
    if (msg.type === 'log') {
      this.onText(msg.text);
    } else if (msg.type === 'skipped') {
      this.onSkipped(msg.ms);
    } else if (msg.type === 'result' && msg.requestId === this.pending?.requestId) {
      this.flushPartial();
      this.finish(
        msg.ok
          ? { ok: true, payload: msg.payload }
          : { ok: false, kind: 'handler', error: msg.error },
      );
    }
  }

  /** A skipped wait took no real time but counts against the event's timeout as if it had. */
  private onSkipped(ms: number): void {
    this.spec.skippedWaits?.add(ms);
    const pending = this.pending;
    if (!pending) return;
    pending.deadline -= ms;
    clearTimeout(pending.timer);
    const left = pending.deadline - performance.now();
    if (left <= 0) pending.onTimeout();
    else pending.timer = setTimeout(pending.onTimeout, left);
  }

  private finish(outcome: RunOutcome): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    if (pending.timer) clearTimeout(pending.timer);
    pending.resolve(outcome);
  }

  private onText(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.emit(line.replace(/\r$/, ''));
  }

  private flushPartial(): void {
    if (this.partial !== '') {
      const line = this.partial;
      this.partial = '';
      this.emit(line);
    }
  }

  private emit(line: string): void {
    this.collector?.push(line);
    this.onLine(line);
  }

  private describeLastError(): string {
    return this.lastError ? ` (${String(this.lastError)})` : '';
  }
}

type WorkerMessage =
  | { type: 'log'; text: string }
  | { type: 'skipped'; ms: number }
  | { type: 'ready' }
  | { type: 'init-error'; error: LambdaErrorPayload }
  | { type: 'result'; requestId: string; ok: true; payload: string }
  | { type: 'result'; requestId: string; ok: false; error: LambdaErrorPayload };
