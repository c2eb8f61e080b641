import {
  DescribeAlarmsCommand,
  DisableAlarmActionsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  type CloudWatchClient,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeStreamSummaryCommand,
  ListTagsForStreamCommand,
  UpdateShardCountCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import {
  ContractError,
  readAlarmContract,
  rewriteAlarm,
  siblingAlarmName,
  type AlarmContract,
  type Direction,
} from './alarm-contract.js';
import { MessageError, parseSnsEvent, type AlarmEvent } from './alarm-message.js';
import { ConfigError, streamConfig, type ScalingConfig, type ServiceConfig } from './config.js';
import { classifyError, errorName } from './errors.js';
import { quotaRefusal } from './limits.js';
import { fetchLoad } from './metrics.js';
import { decide, type Decision, type Explanation } from './policy.js';
import { policyContext } from './policy-inputs.js';
import {
  DAY_MS,
  operationsInLastDay,
  scalingType,
  type ScalingLog,
  type ScalingLogEntry,
} from './scaling-log.js';

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
}

export type OutcomeKind =
  | 'scaled' // UpdateShardCount called, alarms rewritten and re-armed, log written
  | 'no-change' // the policy or a limit said no; the alarm is re-armed to fire again
  | 'repaired' // the alarms' shard count was out of date; rewritten, not scaled
  | 'rearmed' // the stream was busy resharding; the alarm will fire again
  | 'duplicate' // this state change was already handled
  | 'stale' // the state change is older than the stream's last scaling
  | 'ignored' // not an ALARM transition, or an on-demand stream
  | 'rejected'; // bad input or configuration; logged, never retried

export interface Outcome {
  outcome: OutcomeKind;
  messageId: string | undefined;
  alarmName?: string;
  streamName?: string;
  shardCount?: number;
  targetShardCount?: number;
  detail: string;
  /** The policy's inputs and the rule that fired, when the policy decided. */
  explanation?: Explanation;
}

/** Thrown for failures Lambda should retry; everything permanent is turned into an Outcome. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(
    message: string,
    readonly causes: unknown[],
  ) {
    super(message);
  }
}

/** An error that is the input's fault: logged as `rejected`, never retried. */
class Rejection extends Error {}

const REARM_STATE = 'INSUFFICIENT_DATA';

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
      detail: (err as Error).message,
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
      `${failures.length} record(s) failed with a retryable error: ${failures.map((e) => `${errorName(e)}: ${(e as Error).message}`).join('; ')}`,
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
    const level = outcome.outcome === 'rejected' ? 'error' : 'info';
    deps.logger[level]('decision', { ...logContext, ...outcome });
    return outcome;
  } catch (err) {
    if (
      err instanceof Rejection ||
      err instanceof ContractError ||
      err instanceof ConfigError ||
      err instanceof MessageError
    ) {
      const outcome: Outcome = { ...base, outcome: 'rejected', detail: err.message };
      deps.logger.error('decision', { ...logContext, ...outcome });
      return outcome;
    }
    const kind = classifyError(err);
    if (kind === 'permanent') {
      const outcome: Outcome = {
        ...base,
        outcome: 'rejected',
        detail: `${errorName(err)}: ${(err as Error).message}`,
      };
      deps.logger.error('decision', { ...logContext, ...outcome });
      return outcome;
    }
    deps.logger.warn('retryable failure', {
      ...logContext,
      ...base,
      error: errorName(err),
      detail: (err as Error).message,
    });
    throw err;
  }
}

async function decideAndAct(
  event: AlarmEvent,
  entry: Direction,
  deps: ScalerDeps,
): Promise<Outcome> {
  const { kinesis, cloudwatch } = deps;
  const base = { messageId: event.messageId, alarmName: event.alarmName };
  if (event.newState !== 'ALARM') {
    return { ...base, outcome: 'ignored', detail: `state changed to ${event.newState}, not ALARM` };
  }

  // The message may be LocalStack's (no Trigger.Metrics) or stale: the live alarms are the truth.
  const pair = await describePair(cloudwatch, event.alarmName);
  const contract = readAlarmContract(pair.self);
  if (contract.direction !== entry) {
    throw new Rejection(
      `alarm ${event.alarmName} is a scale-${contract.direction} alarm but was delivered to the scale-${entry} function; check its AlarmActions`,
    );
  }
  const stream = contract.streamName;
  const withStream = { ...base, streamName: stream };

  const summary = await describeStream(kinesis, stream);
  if (summary.mode === 'ON_DEMAND') {
    return {
      ...withStream,
      outcome: 'ignored',
      detail: `stream ${stream} is in on-demand mode; nothing to scale`,
    };
  }
  if (summary.status !== 'ACTIVE') {
    await rearm(cloudwatch, [event.alarmName], `stream ${stream} was ${summary.status}`);
    return {
      ...withStream,
      outcome: 'rearmed',
      shardCount: summary.openShards,
      detail: `stream is ${summary.status}; alarm re-armed to fire again once the stream is ACTIVE`,
    };
  }
  const n = summary.openShards;
  const config = streamConfig(deps.config.defaults, await streamTags(kinesis, stream));

  if (contract.shardCount !== n) {
    await rewritePair(cloudwatch, pair, n, config);
    return {
      ...withStream,
      outcome: 'repaired',
      shardCount: n,
      detail: `alarms assumed ${contract.shardCount} shards but the stream has ${n} open; alarms rewritten for ${n} and re-armed`,
    };
  }

  const history = await deps.scalingLog.recent(stream);
  const last = history[0];
  if (last && Date.parse(last.scaling_datetime) >= event.stateChangeTime) {
    const duplicate =
      last.event_id === event.messageId || history.some((h) => h.event_id === event.messageId);
    return {
      ...withStream,
      outcome: duplicate ? 'duplicate' : 'stale',
      shardCount: n,
      detail: duplicate
        ? `message ${event.messageId} already scaled the stream at ${last.scaling_datetime}`
        : `state change at ${new Date(event.stateChangeTime).toISOString()} is not newer than the last scaling at ${last.scaling_datetime}`,
    };
  }

  const operations = operationsInLastDay(history, event.stateChangeTime);
  const refused = quotaRefusal(entry, operations);
  if (refused) {
    // Re-armed like any refused scaling (see below); answered before reading any metrics because
    // while the quota holds this is the alarm's answer every period.
    await rearm(cloudwatch, [event.alarmName], 'no scaling was possible');
    return { ...withStream, outcome: 'no-change', shardCount: n, detail: refused };
  }

  const lookback = entry === 'up' ? config.scaleUpLookbackMinutes : config.scaleDownLookbackMinutes;
  const load = await fetchLoad(cloudwatch, stream, event.stateChangeTime, lookback);
  const decision = decide({
    direction: entry,
    currentShards: n,
    load,
    config,
    operationsInLast24h: operations,
    context: await policyContext(cloudwatch, stream, event.stateChangeTime, config),
  });
  const explanation = decision.explanation;

  if (decision.action === 'none') {
    if (entry === 'down' && n <= config.minShards) {
      // Quiet the scale-down alarm instead of letting it fire every period at the floor.
      await cloudwatch.send(new DisableAlarmActionsCommand({ AlarmNames: [event.alarmName] }));
      return {
        ...withStream,
        outcome: 'no-change',
        shardCount: n,
        detail: `${decision.reason}; scale-down alarm actions disabled at min shards`,
        explanation,
      };
    }
    // A refused scaling re-arms its alarm so it is tried again next period while the condition
    // lasts: left in ALARM it would never fire again, and a stream refused a scale-down (by the
    // quota's reserve, say) would stay over-provisioned until some other scaling re-armed it. The
    // retries cost one small invocation a period and stop when the refusal or the condition ends.
    await rearm(cloudwatch, [event.alarmName], 'no scaling was possible');
    return {
      ...withStream,
      outcome: 'no-change',
      shardCount: n,
      detail: decision.reason,
      explanation,
    };
  }

  return scale(event, entry, deps, { contract, pair, config, decision, n });
}

async function scale(
  event: AlarmEvent,
  entry: Direction,
  deps: ScalerDeps,
  ctx: {
    contract: AlarmContract;
    pair: AlarmPair;
    config: ScalingConfig;
    decision: Extract<Decision, { action: 'scale' }>;
    n: number;
  },
): Promise<Outcome> {
  const { kinesis, cloudwatch, scalingLog } = deps;
  const { decision, n } = ctx;
  const stream = ctx.contract.streamName;
  const base = {
    messageId: event.messageId,
    alarmName: event.alarmName,
    streamName: stream,
    shardCount: n,
  };
  const logEntry: ScalingLogEntry = {
    stream_name: stream,
    scaling_datetime: new Date(event.stateChangeTime).toISOString(),
    shard_count: n,
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
    expires_at: Math.floor((event.stateChangeTime + deps.config.scalingLogTtlDays * DAY_MS) / 1000),
  };
  if (!(await scalingLog.claim(logEntry))) {
    return {
      ...base,
      outcome: 'duplicate',
      detail: `another delivery already claimed the state change at ${logEntry.scaling_datetime}`,
    };
  }
  try {
    await kinesis.send(
      new UpdateShardCountCommand({
        StreamName: stream,
        TargetShardCount: decision.target,
        ScalingType: 'UNIFORM_SCALING',
      }),
    );
  } catch (err) {
    await scalingLog.release(logEntry);
    const kind = classifyError(err);
    if (kind === 'in-use') {
      await rearm(cloudwatch, [event.alarmName], `stream ${stream} was resharding`);
      return {
        ...base,
        outcome: 'rearmed',
        detail: `UpdateShardCount: ${(err as Error).message}; alarm re-armed`,
      };
    }
    throw err;
  }
  // From here the stream is resharding. If rewriting the alarms fails, the error is thrown so Lambda
  // retries, and the retry (or the next alarm) finds the alarms out of sync and repairs them.
  await rewritePair(cloudwatch, ctx.pair, decision.target, ctx.config);
  return {
    ...base,
    outcome: 'scaled',
    targetShardCount: decision.target,
    detail: decision.reason,
    explanation: decision.explanation,
  };
}

interface AlarmPair {
  self: MetricAlarm;
  sibling: MetricAlarm | undefined;
}

async function describePair(cloudwatch: CloudWatchClient, alarmName: string): Promise<AlarmPair> {
  const siblingName = siblingAlarmName(alarmName);
  const out = await cloudwatch.send(
    new DescribeAlarmsCommand({
      AlarmNames: [alarmName, siblingName],
      AlarmTypes: ['MetricAlarm'],
    }),
  );
  const alarms = out.MetricAlarms ?? [];
  const self = alarms.find((a) => a.AlarmName === alarmName);
  if (!self) throw new Rejection(`alarm ${alarmName} does not exist (deleted after it fired?)`);
  return { self, sibling: alarms.find((a) => a.AlarmName === siblingName) };
}

async function describeStream(
  kinesis: KinesisClient,
  stream: string,
): Promise<{ status: string; mode: string; openShards: number }> {
  try {
    const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    const d = out.StreamDescriptionSummary;
    return {
      status: d?.StreamStatus ?? 'UNKNOWN',
      mode: d?.StreamModeDetails?.StreamMode ?? 'PROVISIONED',
      openShards: d?.OpenShardCount ?? 0,
    };
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException') {
      throw new Rejection(`stream ${stream} named by the alarm does not exist`);
    }
    throw err;
  }
}

async function streamTags(kinesis: KinesisClient, stream: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  let exclusiveStart: string | undefined;
  for (;;) {
    const out = await kinesis.send(
      new ListTagsForStreamCommand({ StreamName: stream, ExclusiveStartTagKey: exclusiveStart }),
    );
    for (const t of out.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
    if (!out.HasMoreTags || !out.Tags?.length) return tags;
    exclusiveStart = out.Tags[out.Tags.length - 1]?.Key;
  }
}

/** Rewrites both alarms for `shards` and re-arms them, so each fires afresh on the new capacity. */
async function rewritePair(
  cloudwatch: CloudWatchClient,
  pair: AlarmPair,
  shards: number,
  config: ScalingConfig,
): Promise<void> {
  const names: string[] = [];
  for (const alarm of [pair.self, pair.sibling]) {
    if (!alarm) continue;
    const contract = readAlarmContract(alarm);
    const actionsEnabled =
      contract.direction === 'down' ? shards > config.minShards : alarm.ActionsEnabled;
    await cloudwatch.send(new PutMetricAlarmCommand(rewriteAlarm(alarm, shards, actionsEnabled)));
    names.push(contract.alarmName);
  }
  await rearm(cloudwatch, names, `alarms rewritten for ${shards} shards`);
}

async function rearm(
  cloudwatch: CloudWatchClient,
  alarmNames: string[],
  why: string,
): Promise<void> {
  for (const name of alarmNames) {
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: name,
        StateValue: REARM_STATE,
        StateReason: `kinesis-autoscaler: ${why}`,
      }),
    );
  }
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
