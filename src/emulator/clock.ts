/**
 * Every emulated service reads time from a Clock so that tests and simulations can run in virtual
 * time: with a ManualClock, `advance(ms)` fires each due timer in time order and waits for the work
 * it started (Lambda invocations, deliveries) to settle before moving on, so a run is deterministic.
 */
export type TimerCallback = () => void | Promise<void>;

export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  now(): number;
  /** Runs `fn` once, `delayMs` from now. */
  setTimeout(fn: TimerCallback, delayMs: number): TimerHandle;
  /** Runs `fn` every `intervalMs`; the first run is `intervalMs` from now. */
  setInterval(fn: TimerCallback, intervalMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
  /**
   * Registers asynchronous work that was started outside a timer (for example an HTTP-triggered
   * async Lambda invocation) so that a ManualClock waits for it before advancing further.
   */
  track<T>(work: Promise<T>): Promise<T>;
  /** Resolves once all tracked work has settled. */
  settle(): Promise<void>;
  /**
   * Present on a virtual clock: the real waits that emulated Lambda code skipped (see
   * SkippedWaits). A real clock has none: there, waits take the time they ask for.
   */
  readonly skippedWaits?: SkippedWaits;
}

/**
 * The time that Lambda code running under a virtual clock asked to wait for and did not. Such a
 * clock stands still while a function runs, so a handler's waits (an SDK backing off after a
 * throttled call, above all) would otherwise cost real time and change nothing in the emulation: a
 * worker that has nothing left to do but wait for its own timers fires the next one at once and
 * adds the wait here. The API rate limiter counts it as time that passed for the callers, as the
 * real wait would have: on AWS that wait is what lets a token bucket refill.
 */
export class SkippedWaits {
  private total = 0;

  get totalMs(): number {
    return this.total;
  }

  add(ms: number): void {
    if (ms > 0) this.total += ms;
  }
}

abstract class TrackingClock {
  private readonly pending = new Set<Promise<unknown>>();

  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
    return work;
  }

  async settle(): Promise<void> {
    // Work that settles may start more work (a Lambda that publishes to SNS), so loop until quiet.
    while (this.pending.size > 0) {
      await Promise.all([...this.pending]);
    }
  }
}

export class SystemClock extends TrackingClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  setTimeout(fn: TimerCallback, delayMs: number): TimerHandle {
    const id = this.nextId++;
    const t = globalThis.setTimeout(() => {
      this.timers.delete(id);
      void this.track(Promise.resolve().then(fn));
    }, delayMs);
    t.unref();
    this.timers.set(id, t);
    return { id };
  }

  setInterval(fn: TimerCallback, intervalMs: number): TimerHandle {
    const id = this.nextId++;
    const t = globalThis.setInterval(() => void this.track(Promise.resolve().then(fn)), intervalMs);
    t.unref();
    this.timers.set(id, t);
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t) {
      globalThis.clearTimeout(t);
      this.timers.delete(handle.id);
    }
  }
}

interface ManualTimer {
  id: number;
  due: number;
  seq: number;
  fn: TimerCallback;
  intervalMs?: number;
}

export class ManualClock extends TrackingClock implements Clock {
  readonly skippedWaits = new SkippedWaits();
  private current: number;
  private nextId = 1;
  private seq = 0;
  private readonly timers = new Map<number, ManualTimer>();

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    super();
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: TimerCallback, delayMs: number): TimerHandle {
    return this.add(fn, Math.max(0, delayMs));
  }

  setInterval(fn: TimerCallback, intervalMs: number): TimerHandle {
    if (!(intervalMs > 0)) throw new RangeError(`interval must be positive, got ${intervalMs}`);
    return this.add(fn, intervalMs, intervalMs);
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  /** Moves time forward by `ms`, running every timer that falls due, in order of due time. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`cannot advance by ${ms} ms`);
    await this.advanceTo(this.current + ms);
  }

  async advanceTo(target: number): Promise<void> {
    await this.settle();
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.current = Math.max(this.current, next.due);
      if (next.intervalMs !== undefined) {
        next.due += next.intervalMs;
        next.seq = this.seq++;
      } else {
        this.timers.delete(next.id);
      }
      await this.track(Promise.resolve().then(next.fn));
      await this.settle();
    }
    this.current = Math.max(this.current, target);
  }

  /** Number of timers still scheduled (handy for asserting that nothing leaks). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  private add(fn: TimerCallback, delayMs: number, intervalMs?: number): TimerHandle {
    const id = this.nextId++;
    const timer: ManualTimer = { id, due: this.current + delayMs, seq: this.seq++, fn };
    if (intervalMs !== undefined) timer.intervalMs = intervalMs;
    this.timers.set(id, timer);
    return { id };
  }

  private nextDue(limit: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers.values()) {
      if (t.due > limit) continue;
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
