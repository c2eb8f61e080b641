/**
 * The simulator's decision channel: every Lambda run's result as the emulator reports it (the JSON
 * the handler returned, or the error it threw), read as the autoscaler's `Outcome` type. Ours and
 * both peers return `Outcome[]`, so scaling events and outcome counts come from typed values, not
 * from log text.
 */
import { z } from 'zod';
import type { Outcome, OutcomeKind } from '../autoscaler/scaler.js';
import type { InvocationRunResult } from '../emulator/lambda/types.js';
import type { ScalingEvent } from './types.js';

const OUTCOME_KINDS = [
  'scaled',
  'no-change',
  'repaired',
  'rearmed',
  'duplicate',
  'stale',
  'ignored',
  'rejected',
] as const satisfies readonly OutcomeKind[];
// Fails to compile if the autoscaler gains an outcome kind this list does not know.
const everyKind: Record<Exclude<OutcomeKind, (typeof OUTCOME_KINDS)[number]>, never> = {};
void everyKind;

const outcomeSchema = z
  .object({
    outcome: z.enum(OUTCOME_KINDS),
    messageId: z.string().optional(),
    alarmName: z.string().optional(),
    streamName: z.string().optional(),
    shardCount: z.number().int().optional(),
    targetShardCount: z.number().int().optional(),
    detail: z.string(),
  })
  // JSON drops `messageId: undefined`, which Outcome spells out.
  .transform((o): Outcome => ({ ...o, messageId: o.messageId }));
export const outcomesSchema = z.array(outcomeSchema);

const MAX_WARNINGS = 20;

export class DecisionRecorder {
  /** Counts by outcome kind; a run that threw counts as `error:<type>`, a retry as `retry`. */
  readonly outcomes: Record<string, number> = {};
  readonly events: ScalingEvent[] = [];
  readonly warnings: string[] = [];

  /** Scalings before `recordFrom` (the warm-up) are not part of the run's figures. */
  constructor(
    private readonly now: () => number,
    private readonly recordFrom: number,
  ) {}

  readonly onResult = (functionName: string, run: InvocationRunResult): void => {
    const count = (k: string) => (this.outcomes[k] = (this.outcomes[k] ?? 0) + 1);
    if (run.attempt > 0) count('retry');
    if (run.status === 'error') {
      count(`error:${run.errorType ?? 'unknown'}`);
      return;
    }
    const parsed = outcomesSchema.safeParse(JSON.parse(run.payload ?? 'null'));
    if (!parsed.success) {
      this.warn(`${functionName} returned something other than Outcome[]: ${run.payload}`);
      return;
    }
    for (const o of parsed.data) {
      count(o.outcome);
      if (o.outcome === 'rejected') this.warn(`${functionName} rejected: ${o.detail}`);
      if (
        o.outcome === 'scaled' &&
        o.shardCount !== undefined &&
        o.targetShardCount !== undefined &&
        this.now() >= this.recordFrom
      ) {
        this.events.push({
          at: this.now(),
          from: o.shardCount,
          to: o.targetShardCount,
          direction: o.targetShardCount > o.shardCount ? 'up' : 'down',
          reason: o.detail,
        });
      }
    }
  };

  private warn(text: string): void {
    if (this.warnings.length < MAX_WARNINGS) {
      this.warnings.push(`${new Date(this.now()).toISOString()} ${text}`);
    }
  }
}
