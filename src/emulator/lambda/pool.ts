import { AwsError } from '../protocol/errors.js';
import { ExecutionEnvironment, type EnvironmentSpec } from './environment.js';

/**
 * The warm execution environments of one function. Lambda runs one event per environment and
 * meets concurrency with more environments, so a busy function gets another worker (up to a cap,
 * then events wait) rather than interleaving events inside one worker.
 */
export class EnvironmentPool {
  private readonly all = new Set<ExecutionEnvironment>();
  private idle: ExecutionEnvironment[] = [];
  private readonly waiting: Array<(env: ExecutionEnvironment) => void> = [];
  private generation = 0;
  private disposed = false;

  constructor(
    private readonly spec: () => EnvironmentSpec,
    private readonly max: number,
    private readonly onLine: (line: string) => void,
  ) {}

  async acquire(): Promise<ExecutionEnvironment> {
    if (this.disposed) throw new AwsError('ResourceNotFoundException', 'Function was deleted', 404);
    for (;;) {
      const env = this.idle.pop();
      if (!env) break;
      if (!env.dead) return env;
    }
    if (this.all.size < this.max) return this.spawn();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(env: ExecutionEnvironment): void {
    if (env.dead || env.generation !== this.generation || this.disposed) {
      this.all.delete(env);
      void env.terminate();
      const waiter = this.waiting.shift();
      if (waiter && !this.disposed) waiter(this.spawn());
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) waiter(env);
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

  async dispose(): Promise<void> {
    this.disposed = true;
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
