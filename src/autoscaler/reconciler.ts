import { DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { readAlarmContract, type Direction } from './alarm-contract.js';
import {
  liveStateTime,
  missingSibling,
  pairProblem,
  rearm,
  rewritePair,
  type AlarmPair,
} from './alarms.js';
import { settleAbandonedClaims } from './claims.js';
import { streamConfig } from './config.js';
import { classifyError, describeError, InputError } from './errors.js';
import type { ScalerDeps } from './scaler.js';
import { describeStream, streamTags } from './streams.js';

/**
 * The reconciler: a scheduled function that puts every subscribed stream back in a state where its
 * alarms can scale it, without waiting for CloudWatch to send another notification. The scaling
 * functions recover by themselves from anything Lambda's retries outlast only when an alarm fires
 * again; an alarm left in ALARM never does. So, for every stream whose alarms publish to the
 * autoscaler's topics, it
 * - settles claims that abandoned invocations left `pending`, from the stream's real state;
 * - rewrites alarms whose shard count is out of date, and recreates a deleted one;
 * - re-arms alarms left in ALARM for longer than a bound, so they fire again if their condition
 *   holds: a scale-up alarm still in ALARM was never handled (the scale-up function re-arms every
 *   alarm it handles), a scale-down alarm is left there on purpose when its scaling was refused,
 *   and this is how the refusal is retried;
 * and logs one line per stream it acted on, and one summary line.
 */

/**
 * An alarm in ALARM this long is re-armed. Longer than a handled scale-up takes (seconds, and
 * Lambda's two async retries come about 1 and 3 minutes after the first attempt); it is also how
 * often a refused scale-down is tried again.
 */
export const STUCK_ALARM_MS = 5 * 60_000;

export interface StreamReconciliation {
  streamName: string;
  /** What was done, in order; empty when the stream needed nothing. */
  actions: string[];
  /** Set when the stream could not be reconciled (it is tried again on the next run). */
  error?: string;
}

export interface ReconcileReport {
  at: string;
  streams: number;
  actedOn: number;
  failed: number;
  results: StreamReconciliation[];
}

/** Every metric alarm that publishes to one of the topics, by stream. */
async function subscribedPairs(
  deps: ScalerDeps,
): Promise<Map<string, Partial<Record<Direction, MetricAlarm>>>> {
  const prefixes = Object.values(deps.topics ?? {}).filter((t): t is string => Boolean(t));
  const alarms: MetricAlarm[] = [];
  for (const prefix of prefixes.length > 0 ? prefixes : [undefined]) {
    let token: string | undefined;
    do {
      const out = await deps.cloudwatch.send(
        new DescribeAlarmsCommand({
          AlarmTypes: ['MetricAlarm'],
          ...(prefix ? { ActionPrefix: prefix } : {}),
          MaxRecords: 100,
          NextToken: token,
        }),
      );
      alarms.push(...(out.MetricAlarms ?? []));
      token = out.NextToken;
    } while (token);
  }
  const byStream = new Map<string, Partial<Record<Direction, MetricAlarm>>>();
  for (const alarm of alarms) {
    let contract;
    try {
      contract = readAlarmContract(alarm);
    } catch {
      continue; // not an alarm of the contract (only possible without the topics as a filter)
    }
    const pair = byStream.get(contract.streamName) ?? {};
    pair[contract.direction] = alarm;
    byStream.set(contract.streamName, pair);
  }
  return byStream;
}

export async function reconcileAll(
  deps: ScalerDeps,
  opts: { stuckAfterMs?: number } = {},
): Promise<ReconcileReport> {
  const pairs = await subscribedPairs(deps);
  const now = deps.now();
  const results: StreamReconciliation[] = [];
  for (const [streamName, alarms] of pairs) {
    const result: StreamReconciliation = { streamName, actions: [] };
    try {
      await reconcileStream(
        deps,
        streamName,
        alarms,
        now,
        opts.stuckAfterMs ?? STUCK_ALARM_MS,
        result,
      );
    } catch (err) {
      // One stream's failure must not stop the others; the next run tries it again.
      result.error =
        err instanceof InputError || classifyError(err) === 'permanent'
          ? `rejected: ${err instanceof InputError ? err.message : describeError(err)}`
          : describeError(err);
    }
    if (result.error) deps.logger.warn('reconcile', { ...result });
    else if (result.actions.length > 0) deps.logger.info('reconcile', { ...result });
    results.push(result);
  }
  const report: ReconcileReport = {
    at: new Date(now).toISOString(),
    streams: results.length,
    actedOn: results.filter((r) => r.actions.length > 0).length,
    failed: results.filter((r) => r.error).length,
    results,
  };
  deps.logger.info('reconcile summary', {
    at: report.at,
    streams: report.streams,
    actedOn: report.actedOn,
    failed: report.failed,
  });
  return report;
}

async function reconcileStream(
  deps: ScalerDeps,
  streamName: string,
  alarms: Partial<Record<Direction, MetricAlarm>>,
  now: number,
  stuckAfterMs: number,
  result: StreamReconciliation,
): Promise<void> {
  const self = alarms.up ?? alarms.down!;
  const pair: AlarmPair = { self, sibling: alarms.up ? alarms.down : undefined };
  const summary = await describeStream(deps.kinesis, streamName);
  if (summary.mode === 'ON_DEMAND') return;

  const history = await deps.scalingLog.recent(streamName);
  for (const s of await settleAbandonedClaims(deps.scalingLog, history, summary, now)) {
    result.actions.push(
      `${s.settled} pending claim ${s.shard_count} -> ${s.target_shard_count} of ${s.scaling_datetime}`,
    );
  }

  if (summary.status === 'ACTIVE') {
    const config = streamConfig(deps.config.defaults, await streamTags(deps.kinesis, streamName));
    const n = summary.openShards;
    const problem = pairProblem(pair, n, config.minShards) ?? missingSibling(pair);
    if (problem) {
      const rewritten = await rewritePair(deps.cloudwatch, pair, n, {
        minShards: config.minShards,
        topics: deps.topics ?? {},
      });
      result.actions.push(
        `${problem}: rewrote ${rewritten.rewritten.join(', ')} for ${n} shards and re-armed`,
      );
      return;
    }
  }

  const stuck = [pair.self, pair.sibling].filter(
    (a): a is MetricAlarm =>
      a !== undefined &&
      a.StateValue === 'ALARM' &&
      a.ActionsEnabled !== false &&
      now - (liveStateTime(a) ?? now) >= stuckAfterMs,
  );
  if (stuck.length > 0) {
    const names = stuck.map((a) => a.AlarmName!);
    await rearm(deps.cloudwatch, names, 'reconciler: alarm was stuck in ALARM');
    for (const a of stuck) {
      const since = new Date(liveStateTime(a)!).toISOString();
      result.actions.push(`re-armed ${a.AlarmName}, in ALARM since ${since}`);
    }
  }
}
