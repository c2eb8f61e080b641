import { AwsError } from './protocol/errors.js';

/**
 * Fault injection for tests: makes one service answer every request with a server error until a
 * given time on the emulator's clock, as an AWS outage would look to a client. Lives at the edge
 * (the EdgeServer asks before dispatching), so the service models keep running underneath: alarms
 * are still evaluated and streams still reshard while their APIs are down.
 */

/** Services by the name in their SigV4 credential scope, with the names people use for them. */
const ALIASES: Record<string, string> = { cloudwatch: 'monitoring' };

export interface Fault {
  service: string;
  /** Epoch ms on the emulator's clock; the fault ends then. Unset: until cleared. */
  until?: number;
}

export class FaultInjector {
  private readonly faults = new Map<string, Fault>();

  constructor(private readonly now: () => number) {}

  static signingName(service: string): string {
    return ALIASES[service] ?? service;
  }

  /** Makes `service` fail for `durationMs` of the emulator's clock, or until cleared. */
  inject(service: string, durationMs?: number): Fault {
    const name = FaultInjector.signingName(service);
    const fault: Fault =
      durationMs === undefined
        ? { service: name }
        : { service: name, until: this.now() + durationMs };
    this.faults.set(name, fault);
    return fault;
  }

  clear(service?: string): void {
    if (service === undefined) this.faults.clear();
    else this.faults.delete(FaultInjector.signingName(service));
  }

  list(): Fault[] {
    this.expire();
    return [...this.faults.values()];
  }

  /** The error a request to `service` gets now, if the service is failing. */
  check(service: string | undefined): AwsError | undefined {
    if (!service) return undefined;
    this.expire();
    const fault = this.faults.get(service);
    if (!fault) return undefined;
    return new AwsError(
      'ServiceUnavailable',
      `Service ${service} is unavailable (fault injected by the emulator${fault.until !== undefined ? ` until ${new Date(fault.until).toISOString()}` : ''})`,
      503,
    );
  }

  private expire(): void {
    const now = this.now();
    for (const [service, fault] of this.faults) {
      if (fault.until !== undefined && now >= fault.until) this.faults.delete(service);
    }
  }
}
