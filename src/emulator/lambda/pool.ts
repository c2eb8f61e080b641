import type { AwsError } from '../protocol/errors.js';
import { ExecutionEnvironment, type EnvironmentSpec } from './environment.js';

/**
 * The warm execution environments of one function. Lambda runs one event per environment and
 * meets concurrency with more environments, so a busy function gets another worker (up to a cap,
 * then events wait) rather than interleaving events inside one worker.
 */
export class EnvironmentPool {
  private readonly all = new Set<ExecutionEnvironment>();
  private idle: ExecutionEnvironment[] = [];
  private readonly waiting: Array<{
    resolve: (env: ExecutionEnvironment) => void;
    reject: (err: AwsError) => void;
  }> = [];
  private generation = 0;
  /** Set once the function is deleted or the emulator stops; later acquires fail with it. */
  private disposedWith: AwsError | undefined;

  constructor(
    private readonly spec: () => EnvironmentSpec,
    private readonly max: number,
    private readonly onLine: (line: string) => void,
  ) {}

  async acquire(): Promise<ExecutionEnvironment> {
    if (this.disposedWith) throw this.disposedWith;
    for (;;) {
      const env = this.idle.pop();
      if (!env) break;
      if (!env.dead) return env;
    }
    if (this.all.size < this.max) return this.spawn();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  release(env: ExecutionEnvironment): void {
    if (env.dead || env.generation !== this.generation || this.disposedWith) {
      this.all.delete(env);
      void env.terminate();
      const waiter = this.waiting.shift();
      if (waiter) waiter.resolve(this.spawn());
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve(env);
    else this.idle.push(env);
  }

  /** Retires every environment: idle ones now, busy ones when their event ends. */
  async retireAll(): Promise<void> {
    this.generation++;
    const idle = this.idle;
    this.idle = [];
    for (const env of idle) this.all.delete(env);
    await Promise.all(idle.map((env) => env.terminate()));
  }

  /**
   * Ends the pool: events waiting for an environment fail with `reason` (left pending they would
   * hold up every clock that tracks them), and running ones end as their workers are terminated.
   */
  async dispose(reason: AwsError): Promise<void> {
    this.disposedWith = reason;
    for (const waiter of this.waiting.splice(0)) waiter.reject(reason);
    this.idle = [];
    const all = [...this.all];
    this.all.clear();
    await Promise.all(all.map((env) => env.terminate()));
  }

  private spawn(): ExecutionEnvironment {
    const env = new ExecutionEnvironment(this.spec(), this.generation, this.onLine, (gone) => {
      this.all.delete(gone);
      this.idle = this.idle.filter((e) => e !== gone);
    });
    this.all.add(env);
    return env;
  }
}
