import {
  DisableAlarmActionsCommand,
  PutMetricAlarmCommand,
  type CloudWatchClient,
} from '@aws-sdk/client-cloudwatch';
import { UpdateShardCountCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { readAlarmContract, type AlarmContract, type Direction } from './alarm-contract.js';
import { eventTimeProblem, parseSnsEvent, type AlarmEvent } from './alarm-message.js';
import {
  describePair,
  liveStateTime,
  pairProblem,
  rearm,
  recreatedSibling,
  rewritePair,
  type AlarmPair,
} from './alarms.js';
import { claimVerdict, isAbandoned, settleAbandonedClaims } from './claims.js';
import { streamConfig, type ScalingConfig, type ServiceConfig } from './config.js';
import {
  AutoscalerError,
  classifyError,
  describeError,
  errorMessage,
  InputError,
  sdkAttempts,
} from './errors.js';
import { quotaRefusal } from './limits.js';
import { fetchLoad } from './metrics.js';
import { decide, type Decision, type Explanation } from './policy.js';
import { policyContext } from './policy-inputs.js';
import {
  DAY_MS,
  isPending,
  operationsInLastDay,
  throttleOnsetOf,
  scalingType,
  type ScalingLog,
  type ScalingLogEntry,
} from './scaling-log.js';
import { describeStream, streamTags, type StreamSummary } from './streams.js';

export interface DecisionLogger {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

export interface ScalerDeps {
  kinesis: KinesisClient;
  cloudwatch: CloudWatchClient;
  scalingLog: ScalingLog;
  config: ServiceConfig;
  logger: DecisionLogger;
  /**
   * The services' clock in epoch ms. In Lambda it is the SDK's skew-corrected clock, which follows
   * the `Date` header of CloudWatch's responses, so it is read after the first CloudWatch call.
   */
  now: () => number;
  /** The stack's topics, for recreating a deleted alarm; else derived from its sibling's action. */
  topics?: Partial<Record<Direction, string>>;
}

export type OutcomeKind =
  | 'scaled' // UpdateShardCount called, alarms rewritten and re-armed, log written
  | 'no-change' // the policy or a limit said no; retried (scale-up next period, scale-down by the reconciler)
  | 'repaired' // the alarms' shard count was out of date; rewritten, not scaled
  | 'rearmed' // the stream was busy resharding, or Kinesis refused for a limit; fires again
  | 'duplicate' // this state change was already handled
  | 'stale' // the state change is older than the stream's last scaling
  | 'ignored' // not an ALARM transition (in the message or live), or an on-demand stream
  | 'rejected'; // bad input or configuration; logged, never retried

export interface Outcome {
  outcome: OutcomeKind;
  messageId: string | undefined;
  alarmName?: string;
  streamName?: string;
  shardCount?: number;
  targetShardCount?: number;
  /** Set when the stream was scaled but its alarms could not be rewritten: a repair is pending. */
  repairPending?: boolean;
  detail: string;
  /** The policy's inputs and the rule that fired, when the policy decided. */
  explanation?: Explanation;
}

/** Thrown for failures Lambda should retry; everything permanent is turned into an Outcome. */
export class TransientError extends AutoscalerError {
  override name = 'TransientError';
  constructor(
    message: string,
    readonly causes: unknown[],
  ) {
    super(message, { cause: causes[0] });
  }
}

/**
 * Handles one SNS event delivered to the scale-up or scale-down function. Records are handled one
 * by one; if any failed transiently the invocation throws after all were tried, and the others are
 * safe to see again because every effect is idempotent.
 */
export async function handleSnsEvent(
  raw: unknown,
  entry: Direction,
  deps: ScalerDeps,
): Promise<Outcome[]> {
  let parsed: ReturnType<typeof parseSnsEvent>;
  try {
    parsed = parseSnsEvent(raw);
  } catch (err) {
    const outcome: Outcome = {
      outcome: 'rejected',
      messageId: undefined,
      detail: errorMessage(err),
    };
    deps.logger.error('rejected event', { entry, ...outcome });
    return [outcome];
  }
  const outcomes: Outcome[] = parsed.rejected.map((r) => {
    const outcome: Outcome = { outcome: 'rejected', messageId: r.messageId, detail: r.error };
    deps.logger.error('rejected record', { entry, ...outcome });
    return outcome;
  });
  const failures: unknown[] = [];
  for (const event of parsed.events) {
    try {
      outcomes.push(await handleAlarmEvent(event, entry, deps));
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length > 0) {
    throw new TransientError(
      `${failures.length} record(s) failed with a retryable error: ${failures.map(describeError).join('; ')}`,
      failures,
    );
  }
  return outcomes;
}

/** One alarm state change: read the live state, decide, act, and log exactly one decision line. */
export async function handleAlarmEvent(
  event: AlarmEvent,
  entry: Direction,
  deps: ScalerDeps,
): Promise<Outcome> {
  const base = { messageId: event.messageId, alarmName: event.alarmName };
  const logContext = {
    entry,
    eventTime: new Date(event.stateChangeTime).toISOString(),
    newState: event.newState,
  };
  try {
    const outcome = await decideAndAct(event, entry, deps);
    const level =
      outcome.outcome === 'rejected' ? 'error' : outcome.repairPending ? 'warn' : 'info';
    deps.logger[level]('decision', { ...logContext, ...outcome });
    return outcome;
  } catch (err) {
    if (err instanceof InputError || classifyError(err) === 'permanent') {
      const detail = err instanceof InputError ? err.message : describeError(err);
      const outcome: Outcome = { ...base, outcome: 'rejected', detail };
      deps.logger.error('decision', { ...logContext, ...outcome });
      return outcome;
    }
    deps.logger.warn('retryable failure', {
      ...logContext,
      ...base,
      error: describeError(err),
      detail: errorMessage(err),
    });
    throw err;
  }
}

/** What the live alarm says: the message only says which alarm to look at. */
interface LiveAlarm {
  pair: AlarmPair;
  contract: AlarmContract;
  /** The live state change, the decision's clock and the scaling log's key. */
  stateTime: number;
  now: number;
}

async function decideAndAct(
  event: AlarmEvent,
  entry: Direction,
  deps: ScalerDeps,
): Promise<Outcome> {
  const base = { messageId: event.messageId, alarmName: event.alarmName };
  if (event.newState !== 'ALARM') {
    return { ...base, outcome: 'ignored', detail: `state changed to ${event.newState}, not ALARM` };
  }
  const live = await readLiveAlarm(event, entry, deps);
  if ('outcome' in live) return live;
  const stream = live.contract.streamName;
  const withStream = { ...base, streamName: stream };

  const summary = await describeStream(deps.kinesis, stream);
  if (summary.mode === 'ON_DEMAND') {
    return {
      ...withStream,
      outcome: 'ignored',
      detail: `stream ${stream} is in on-demand mode; nothing to scale`,
    };
  }
  const history = await readHistory(deps, stream, summary, live.now);
  if (summary.status !== 'ACTIVE') {
    await rearm(deps.cloudwatch, [event.alarmName], `stream ${stream} was ${summary.status}`);
    return {
      ...withStream,
      outcome: 'rearmed',
      shardCount: summary.openShards,
      detail: `stream is ${summary.status}; alarm re-armed to fire again once the stream is ACTIVE`,
    };
  }
  const n = summary.openShards;
  const config = streamConfig(deps.config.defaults, await streamTags(deps.kinesis, stream));
  const ctx: ScalingContext = { event, entry, deps, live, config, n, summary, history };

  const key = new Date(live.stateTime).toISOString();
  const own = history.find((h) => h.scaling_datetime === key);
  if (own && isPending(own)) return resumeClaim(own, ctx);

  const repaired = await repairPair(ctx);
  if (repaired) return repaired;

  const last = history[0];
  if (last && Date.parse(last.scaling_datetime) >= live.stateTime) {
    const duplicate =
      last.scaling_datetime === key || history.some((h) => h.event_id === event.messageId);
    return {
      ...withStream,
      outcome: duplicate ? 'duplicate' : 'stale',
      shardCount: n,
      detail: duplicate
        ? `the state change at ${key} already scaled the stream (logged at ${last.scaling_datetime})`
        : `state change at ${key} is not newer than the last scaling at ${last.scaling_datetime}`,
    };
  }

  const operations = operationsInLastDay(history, live.stateTime);
  const refused = quotaRefusal(entry, operations);
  if (refused) {
    // Retried like any refused scaling (see retryLater); answered before reading any metrics
    // because while the quota holds this is the alarm's answer every time it is retried.
    const detail = await retryLater(deps.cloudwatch, entry, event.alarmName, refused);
    return { ...withStream, outcome: 'no-change', shardCount: n, detail };
  }

  const lastScalingAt = last ? Date.parse(last.scaling_datetime) : undefined;
  const decision = await decideScaling(ctx, operations, {
    lastScalingAt,
    throttleOnset: throttleOnsetOf(history, live.stateTime),
  });
  if (decision.action === 'none') return refuse(ctx, decision);
  return scale(ctx, decision);
}

/**
 * Reads the alarm pair and checks the event against it: the message's time must lie in the window
 * around now, and the alarm must be in ALARM now. Returns the outcome when there is nothing to do.
 */
async function readLiveAlarm(
  event: AlarmEvent,
  entry: Direction,
  deps: ScalerDeps,
): Promise<LiveAlarm | Outcome> {
  const base = { messageId: event.messageId, alarmName: event.alarmName };
  // The message may be LocalStack's (no Trigger.Metrics), stale or forged: the live alarms are
  // the truth, and the SDK's clock is set from CloudWatch's answer.
  const pair = await describePair(deps.cloudwatch, event.alarmName);
  const now = deps.now();
  const contract = readAlarmContract(pair.self);
  if (contract.direction !== entry) {
    throw new InputError(
      `alarm ${event.alarmName} is a scale-${contract.direction} alarm but was delivered to the scale-${entry} function; check its AlarmActions`,
    );
  }
  const timeProblem = eventTimeProblem(event.stateChangeTime, now);
  if (timeProblem) throw new InputError(timeProblem);
  const state = pair.self.StateValue ?? 'unknown';
  if (state !== 'ALARM') {
    // A late redelivery of a state change we acted on finds the alarm re-armed: say so.
    const handled = (await deps.scalingLog.recent(contract.streamName)).find(
      (h) => h.event_id === event.messageId,
    );
    return {
      ...base,
      streamName: contract.streamName,
      outcome: handled ? 'duplicate' : 'ignored',
      detail: handled
        ? `message ${event.messageId} already scaled the stream at ${handled.scaling_datetime}`
        : `the alarm is ${state} now, not ALARM; nothing to do`,
    };
  }
  const stateTime = liveStateTime(pair.self) ?? event.stateChangeTime;
  return { pair, contract, stateTime, now };
}

/** The stream's recent log, after settling claims that abandoned invocations left pending. */
async function readHistory(
  deps: ScalerDeps,
  stream: string,
  summary: StreamSummary,
  now: number,
): Promise<ScalingLogEntry[]> {
  const history = await deps.scalingLog.recent(stream);
  const settled = await settleAbandonedClaims(deps.scalingLog, history, summary, now);
  if (settled.length > 0) deps.logger.info('claims settled', { streamName: stream, settled });
  const released = new Set(
    settled.filter((s) => s.settled === 'released').map((s) => s.scaling_datetime),
  );
  return history.filter((h) => !released.has(h.scaling_datetime));
}

interface ScalingContext {
  event: AlarmEvent;
  entry: Direction;
  deps: ScalerDeps;
  live: LiveAlarm;
  config: ScalingConfig;
  /** Open shards of the ACTIVE stream. */
  n: number;
  summary: StreamSummary;
  /** The stream's recent scaling log, newest first, abandoned claims settled. */
  history: readonly ScalingLogEntry[];
}

function outcomeBase(ctx: ScalingContext) {
  return {
    messageId: ctx.event.messageId,
    alarmName: ctx.event.alarmName,
    streamName: ctx.live.contract.streamName,
    shardCount: ctx.n,
  };
}

/**
 * Alarms whose shard count differs from the stream's (a scaling whose rewrite failed, a hand edit)
 * are rewritten for the real count and re-armed, without scaling. A missing sibling is recreated
 * and the event goes on: a deleted scale-down alarm is no reason to delay a scale-up.
 */
async function repairPair(ctx: ScalingContext): Promise<Outcome | undefined> {
  const { pair, contract } = ctx.live;
  const { cloudwatch } = ctx.deps;
  const problem = pairProblem(pair, ctx.n, ctx.config.minShards);
  if (problem) {
    const result = await rewritePair(cloudwatch, pair, ctx.n, alarmOptions(ctx));
    return {
      ...outcomeBase(ctx),
      outcome: 'repaired',
      detail: `${problem}; alarms rewritten for ${ctx.n} and re-armed${result.recreated ? `, ${result.recreated} recreated` : ''}`,
    };
  }
  if (!pair.sibling) {
    const sibling = recreatedSibling(pair.self, contract, ctx.n, ctx.deps.topics ?? {});
    if (sibling) {
      if (contract.direction === 'up') sibling.ActionsEnabled = ctx.n > ctx.config.minShards;
      await cloudwatch.send(new PutMetricAlarmCommand(sibling));
      ctx.deps.logger.info('alarm recreated', { alarmName: sibling.AlarmName });
    }
  }
  return undefined;
}

function alarmOptions(ctx: ScalingContext) {
  return { minShards: ctx.config.minShards, topics: ctx.deps.topics ?? {} };
}

async function decideScaling(
  ctx: ScalingContext,
  operations: number,
  log: { lastScalingAt: number | undefined; throttleOnset: number | undefined },
): Promise<Decision> {
  const { entry, config, n } = ctx;
  const lookback = entry === 'up' ? config.scaleUpLookbackMinutes : config.scaleDownLookbackMinutes;
  const load = await fetchLoad(
    ctx.deps.cloudwatch,
    ctx.live.contract.streamName,
    ctx.live.stateTime,
    lookback,
  );
  return decide({
    direction: entry,
    currentShards: n,
    load,
    config,
    operationsInLast24h: operations,
    ...log,
    context: await policyContext(
      ctx.deps.cloudwatch,
      ctx.live.contract.streamName,
      ctx.live.stateTime,
      config,
    ),
  });
}

async function refuse(
  ctx: ScalingContext,
  decision: Extract<Decision, { action: 'none' }>,
): Promise<Outcome> {
  const { cloudwatch } = ctx.deps;
  if (ctx.entry === 'down' && ctx.n <= ctx.config.minShards) {
    // Quiet the scale-down alarm instead of letting it fire every period at the floor.
    await cloudwatch.send(new DisableAlarmActionsCommand({ AlarmNames: [ctx.event.alarmName] }));
    return {
      ...outcomeBase(ctx),
      outcome: 'no-change',
      detail: `${decision.reason}; scale-down alarm actions disabled at min shards`,
      explanation: decision.explanation,
    };
  }
  return {
    ...outcomeBase(ctx),
    outcome: 'no-change',
    detail: await retryLater(cloudwatch, ctx.entry, ctx.event.alarmName, decision.reason),
    explanation: decision.explanation,
  };
}

/**
 * A refused scaling must be tried again while its condition lasts: an alarm left in ALARM never
 * notifies again. A refused scale-up is re-armed at once, so it fires again next period: demand is
 * growing. A refused scale-down is left in ALARM for the reconciler, which re-arms it on its next
 * run (every 5 minutes): nothing is lost by shrinking a few minutes later, and a stream held at its
 * size for hours (by the quota's reserve, say) then costs an invocation and its CloudWatch calls
 * every 5 minutes instead of every minute.
 */
async function retryLater(
  cloudwatch: CloudWatchClient,
  direction: Direction,
  alarmName: string,
  reason: string,
): Promise<string> {
  if (direction === 'down') return `${reason}; alarm left in ALARM for the reconciler to retry`;
  await rearm(cloudwatch, [alarmName], 'no scaling was possible');
  return reason;
}

/** Claims the state change in the log (`pending`), then scales. */
async function scale(
  ctx: ScalingContext,
  decision: Extract<Decision, { action: 'scale' }>,
): Promise<Outcome> {
  const { event, entry, deps, live } = ctx;
  const claim: ScalingLogEntry = {
    stream_name: live.contract.streamName,
    scaling_datetime: new Date(live.stateTime).toISOString(),
    shard_count: ctx.n,
    target_shard_count: decision.target,
    scaling_type: scalingType(entry),
    reason: decision.reason,
    utilization: round(decision.load.peakUtilization),
    demand_utilization: round(decision.load.peakDemandUtilization),
    throttled_records: decision.load.throttledRecords,
    rule: decision.explanation.rule,
    explanation: decision.explanation,
    alarm_name: event.alarmName,
    event_id: event.messageId,
    expires_at: Math.floor((live.stateTime + deps.config.scalingLogTtlDays * DAY_MS) / 1000),
    status: 'pending',
    claimed_at: new Date(live.now).toISOString(),
  };
  if (!(await deps.scalingLog.claim(claim))) {
    return {
      ...outcomeBase(ctx),
      outcome: 'duplicate',
      detail: `another delivery already claimed the state change at ${claim.scaling_datetime}`,
    };
  }
  return applyScaling(ctx, claim);
}

/**
 * This state change's claim is still pending. A running invocation may own it; otherwise the
 * stream's state tells whether its UpdateShardCount was applied (the response was lost) or never
 * made (the invocation died first), and the claim is completed either way.
 */
async function resumeClaim(claim: ScalingLogEntry, ctx: ScalingContext): Promise<Outcome> {
  if (!isAbandoned(claim, ctx.live.now)) {
    return {
      ...outcomeBase(ctx),
      outcome: 'duplicate',
      detail: `another delivery is scaling the stream for the state change at ${claim.scaling_datetime} (claim pending since ${claim.claimed_at})`,
    };
  }
  if (claimVerdict(claim, ctx.summary, ctx.history) === 'not-applied')
    return applyScaling(ctx, claim);
  await ctx.deps.scalingLog.confirm(claim, 'state');
  return finishScaling(
    ctx,
    claim,
    `pending claim ${claim.shard_count} -> ${claim.target_shard_count} confirmed by the stream's state (${ctx.n} open shards)`,
  );
}

/** Calls UpdateShardCount for a claim and settles the claim by the answer. */
async function applyScaling(ctx: ScalingContext, claim: ScalingLogEntry): Promise<Outcome> {
  const { deps, event } = ctx;
  const stream = claim.stream_name;
  try {
    await deps.kinesis.send(
      new UpdateShardCountCommand({
        StreamName: stream,
        TargetShardCount: claim.target_shard_count,
        ScalingType: 'UNIFORM_SCALING',
      }),
    );
  } catch (err) {
    const kind = classifyError(err);
    if (kind === 'in-use' && sdkAttempts(err) === 1) {
      // Refused at the first attempt, so no call of ours was applied: another scaling (the sibling
      // alarm's Lambda, a user) got there first. Our claim is released; the alarm fires again once
      // the stream is ACTIVE and the next decision starts from the count that won.
      await deps.scalingLog.release(claim);
      await rearm(deps.cloudwatch, [event.alarmName], `stream ${stream} was resharding`);
      return {
        ...outcomeBase(ctx),
        outcome: 'rearmed',
        detail: `UpdateShardCount: ${errorMessage(err)}; another scaling got there first, claim released and alarm re-armed`,
      };
    }
    if (kind === 'in-use') {
      // The SDK retried: the refused attempt may follow our own applied call whose response was
      // lost, so the claim stays pending until the stream's state settles it.
      await rearm(deps.cloudwatch, [event.alarmName], `stream ${stream} was resharding`);
      return {
        ...outcomeBase(ctx),
        outcome: 'rearmed',
        detail: `UpdateShardCount: ${errorMessage(err)}; alarm re-armed, claim left pending until the stream's state settles it`,
      };
    }
    if (kind === 'quota') {
      await deps.scalingLog.release(claim);
      await rearm(deps.cloudwatch, [event.alarmName], 'Kinesis refused the scaling for a limit');
      return {
        ...outcomeBase(ctx),
        outcome: 'rearmed',
        detail: `UpdateShardCount refused: ${describeError(err)}; alarm re-armed to try again while the condition lasts`,
      };
    }
    // A transient failure may hide an applied call: the claim stays pending for the retry.
    if (kind === 'permanent') await deps.scalingLog.release(claim);
    throw err;
  }
  try {
    await deps.scalingLog.confirm(claim, 'response');
  } catch (err) {
    // The scaling happened; a retry or the reconciler confirms the claim from the stream's state.
    deps.logger.warn('claim not confirmed', { streamName: stream, error: describeError(err) });
  }
  return finishScaling(ctx, claim, claim.reason);
}

/**
 * From here the stream is resharding. A transient failure to rewrite the alarms is thrown so Lambda
 * retries, and the retry (or the reconciler) finds them out of sync and repairs them; a permanent one
 * is reported with the scaling, as a repair pending, not as a rejection that would hide it.
 */
async function finishScaling(
  ctx: ScalingContext,
  claim: ScalingLogEntry,
  detail: string,
): Promise<Outcome> {
  const outcome: Outcome = {
    ...outcomeBase(ctx),
    shardCount: claim.shard_count,
    outcome: 'scaled',
    targetShardCount: claim.target_shard_count,
    detail,
    ...(claim.explanation ? { explanation: claim.explanation } : {}),
  };
  try {
    const result = await rewritePair(
      ctx.deps.cloudwatch,
      ctx.live.pair,
      claim.target_shard_count,
      alarmOptions(ctx),
    );
    if (result.recreated) outcome.detail += `; ${result.recreated} recreated`;
  } catch (err) {
    if (err instanceof InputError || classifyError(err) === 'permanent') {
      return {
        ...outcome,
        repairPending: true,
        detail: `${detail}; alarms not rewritten (${err instanceof InputError ? err.message : describeError(err)}): repair pending`,
      };
    }
    throw err;
  }
  return outcome;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
