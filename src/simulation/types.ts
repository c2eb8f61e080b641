import type { DemandSeries } from './trace.js';

/** Per-minute outcome of a run; index i is minute i of the demand series. */
export interface MinuteSeries {
  offeredRecords: Float64Array;
  acceptedRecords: Float64Array;
  throttledRecords: Float64Array;
  acceptedBytes: Float64Array;
  /** Write capacity in shard-equivalents, averaged over the minute (open shards when provisioned). */
  capacityUnits: Float64Array;
}

export interface ScalingEvent {
  /** Clock time of the UpdateShardCount call (the alarm's evaluation). */
  at: number;
  from: number;
  to: number;
  direction: 'up' | 'down';
  reason?: string;
}

export type Pricing = 'provisioned' | 'on-demand';

export interface RunResult {
  label: string;
  kind: 'policy' | 'baseline';
  pricing: Pricing;
  demand: DemandSeries;
  series: MinuteSeries;
  scalingEvents: ScalingEvent[];
  description: string;
  /** Wall time of the simulated loop, excluding emulator start and deployment (policies only). */
  wallMs?: number;
  /**
   * Process CPU time (user + system, every thread, so the Lambda workers too) over the same loop:
   * a speed figure that depends less on what else the machine runs than wall time does.
   */
  cpuMs?: number;
  /** Handler outcomes by kind (scaled, no-change, rearmed, ...), for policies. */
  outcomes?: Record<string, number>;
  /** Anything unexpected the run saw (rejected or failed invocations), so it is not hidden. */
  warnings?: string[];
}

export function emptySeries(minutes: number): MinuteSeries {
  return {
    offeredRecords: new Float64Array(minutes),
    acceptedRecords: new Float64Array(minutes),
    throttledRecords: new Float64Array(minutes),
    acceptedBytes: new Float64Array(minutes),
    capacityUnits: new Float64Array(minutes),
  };
}
