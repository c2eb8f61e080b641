/**
 * Runs one policy through the whole system in virtual time: the emulator's Kinesis model takes the
 * trace's traffic (bulk ingest with per-shard throttling) and publishes per-minute metrics,
 * CloudWatch evaluates the stream's two alarms, SNS invokes the deployed scaling Lambda (the
 * packaged production bundle, run in a worker), which calls UpdateShardCount and rewrites the alarms
 * over HTTP. The ManualClock only moves once every invocation has settled, so a run is
 * deterministic.
 */
import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { createClients } from '../aws/clients.js';
import { buildAlarmPair } from '../autoscaler/alarm-contract.js';
import { ManualClock } from '../emulator/clock.js';
import { Emulator } from '../emulator/emulator.js';
import type { PolicyConfig } from './policies.js';
import { MINUTE_MS, shardsFor, type DemandSeries } from './trace.js';
import { DecisionRecorder } from './decisions.js';
import { deployPeer } from './peers.js';
import {
  burstFactors,
  DEFAULT_BURSTINESS,
  DEFAULT_KEY_SKEW,
  DEFAULT_SEED,
  keyShares,
  rng,
  type TrafficOptions,
} from './traffic.js';
import { emptySeries, type RunResult } from './types.js';

export const DEFAULT_TRAFFIC: TrafficOptions = {
  burstiness: DEFAULT_BURSTINESS,
  keySkew: DEFAULT_KEY_SKEW,
  seed: DEFAULT_SEED,
};
/** Flat within each minute and spread evenly over the shards: the trace as it is written. */
export const FLAT_TRAFFIC: TrafficOptions = { burstiness: 0, keySkew: 0, seed: DEFAULT_SEED };

/**
 * Base of the emulator's resharding-time model (src/emulator/kinesis/resharding.ts): a 1 -> 2
 * split takes this long; bigger reshards take a batch of this per 10 split/merge operations, and
 * targets off multiples of 25% twice as long. AWS says UpdateShardCount "could take a few minutes".
 */
export const DEFAULT_RESHARDING_MS = 120_000;
/**
 * Traffic is offered in steps of this many seconds so a reshard that finishes mid-minute changes
 * capacity within 10 s of when it happens rather than at the next minute.
 */
export const DEFAULT_STEP_SECONDS = 10;
/** The initial stream is sized so its first minute runs at this utilisation. */
export const INITIAL_UTILIZATION = 0.5;
/**
 * Before the trace starts the stream carries the first minute's traffic for the longest window any
 * of its alarms or lookbacks reads, plus this margin, so the first decisions see a full history as
 * they would on a stream that has been running; the alarms are put when the trace starts.
 */
export const WARMUP_MARGIN_MINUTES = 5;
export const STACK_NAME = 'kinesis-autoscaler-local';
export const STREAM_NAME = 'simulated';

export interface LoopOptions {
  demand: DemandSeries;
  policy: PolicyConfig;
  /** A folder written by `sls package --stage local` (reused across runs). */
  packageDir: string;
  reshardingMs?: number;
  stepSeconds?: number;
  /** Default: the first minute's demand at INITIAL_UTILIZATION. */
  initialShards?: number;
  /** Called after every simulated minute. */
  onMinute?: (done: number, total: number) => void;
  /** Burstiness and key skew of the producers (default: DEFAULT_TRAFFIC). */
  traffic?: TrafficOptions;
  /** Every Lambda log line, for debugging a policy (default: dropped). */
  onLambdaLog?: (functionName: string, line: string) => void;
}

export function initialShardsFor(demand: DemandSeries): number {
  return Math.max(
    1,
    shardsFor(
      demand.bytesPerSecond[0]! / INITIAL_UTILIZATION,
      demand.recordsPerSecond[0]! / INITIAL_UTILIZATION,
    ),
  );
}

/** Minutes of history the policy's alarms and lookbacks read. */
export function warmupMinutes(policy: PolicyConfig): number {
  const window = (a: { periodSeconds: number; evaluationPeriods: number }) =>
    (a.periodSeconds / 60) * a.evaluationPeriods;
  const lookbacks = Object.entries(policy.tags)
    .filter(([k]) => k.endsWith('lookback-minutes'))
    .map(([, v]) => Number(v));
  return (
    Math.max(window(policy.scaleUp), window(policy.scaleDown), 60, ...lookbacks) +
    WARMUP_MARGIN_MINUTES
  );
}

export async function runPolicy(opts: LoopOptions): Promise<RunResult> {
  const { demand, policy } = opts;
  const stepSeconds = opts.stepSeconds ?? DEFAULT_STEP_SECONDS;
  if (!(stepSeconds > 0) || 60 % stepSeconds !== 0) {
    throw new RangeError(`step must divide 60 seconds, got ${stepSeconds}`);
  }
  const reshardingMs = opts.reshardingMs ?? DEFAULT_RESHARDING_MS;
  const initialShards = opts.initialShards ?? initialShardsFor(demand);
  const warmup = warmupMinutes(policy);
  // One minute of set-up (stream ACTIVE, alarms put), then the warm-up, then the trace.
  const warmupStart = demand.startMs - warmup * MINUTE_MS;
  const clock = new ManualClock(warmupStart - MINUTE_MS);
  const recorder = new DecisionRecorder(() => clock.now(), demand.startMs);
  const runtime = policy.runtime ?? 'autoscaler';

  const emulator = await Emulator.start({
    port: 0,
    clock,
    reshardingMs,
    onLambdaLog: opts.onLambdaLog ?? (() => {}),
    onLambdaResult: recorder.onResult,
  });
  try {
    const { kinesis } = emulator.region();
    kinesis.createStream({ StreamName: STREAM_NAME, ShardCount: initialShards, Tags: policy.tags });
    await clock.advanceTo(warmupStart);
    for (let m = 0; m < warmup; m++) {
      kinesis.ingest(STREAM_NAME, {
        bytesPerSecond: demand.bytesPerSecond[0]!,
        recordsPerSecond: demand.recordsPerSecond[0]!,
        seconds: 60,
      });
      await clock.advance(MINUTE_MS);
    }
    // The scalers and their alarms go on only now: a fresh alarm judges its whole window at once,
    // and a scale-down alarm that treats missing data as breaching would fire on a window still
    // empty.
    if (runtime === 'autoscaler') {
      await deployAutoscaler(emulator, opts.packageDir, policy, initialShards);
    } else {
      await deployPeer({
        emulator,
        peer: runtime,
        stream: STREAM_NAME,
        shards: initialShards,
        scaleUp: policy.scaleUp,
        scaleDown: policy.scaleDown,
      });
    }

    const series = emptySeries(demand.minutes);
    const stepsPerMinute = 60 / stepSeconds;
    const traffic = opts.traffic ?? DEFAULT_TRAFFIC;
    // keySkew 0 is the even spread itself, not 10,000 uniform keys with their sampling noise.
    const shareOf = traffic.keySkew > 0 ? keyShares(traffic.keySkew, traffic.seed) : undefined;
    const bursty = traffic.burstiness > 0;
    const next = rng(traffic.seed);
    const factors = new Float64Array(60);
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    for (let i = 0; i < demand.minutes; i++) {
      const bytesPerSecond = demand.bytesPerSecond[i]!;
      const recordsPerSecond = demand.recordsPerSecond[i]!;
      if (bursty) burstFactors(next, traffic.burstiness, factors);
      let accepted = 0;
      let throttled = 0;
      let acceptedBytes = 0;
      let shardSum = 0;
      for (let s = 0; s < stepsPerMinute; s++) {
        // Bursty seconds are offered one by one at the step's start: ingest caps each call per
        // second on its own, and all of them fall in the same minute of metrics.
        const calls = bursty ? stepSeconds : 1;
        for (let c = 0; c < calls; c++) {
          const f = bursty ? factors[s * stepSeconds + c]! : 1;
          const out = kinesis.ingest(STREAM_NAME, {
            bytesPerSecond: bytesPerSecond * f,
            recordsPerSecond: recordsPerSecond * f,
            seconds: bursty ? 1 : stepSeconds,
            ...(shareOf ? { shareOf } : {}),
          });
          accepted += out.acceptedRecords;
          throttled += out.throttledRecords;
          acceptedBytes += out.acceptedBytes;
        }
        shardSum += kinesis.describeStreamSummary({ StreamName: STREAM_NAME })
          .StreamDescriptionSummary.OpenShardCount;
        await clock.advance(stepSeconds * 1000);
      }
      series.offeredRecords[i] = recordsPerSecond * 60;
      series.acceptedRecords[i] = accepted;
      series.throttledRecords[i] = throttled;
      series.acceptedBytes[i] = acceptedBytes;
      series.capacityUnits[i] = shardSum / stepsPerMinute;
      opts.onMinute?.(i + 1, demand.minutes);
    }
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuStarted);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    return {
      label: policy.label,
      kind: 'policy',
      pricing: 'provisioned',
      demand,
      series,
      scalingEvents: recorder.events,
      description: policy.description,
      wallMs,
      cpuMs,
      outcomes: recorder.outcomes,
      warnings: recorder.warnings,
    };
  } finally {
    await emulator.stop();
  }
}

/** The packaged production stack (topics, both functions, the log table) and our alarm pair. */
async function deployAutoscaler(
  emulator: Emulator,
  packageDir: string,
  policy: PolicyConfig,
  initialShards: number,
): Promise<void> {
  const stack = await emulator.deployPackage({ packageDir, stackName: STACK_NAME });
  const upTopic = stack.outputs.ScaleUpTopicArn;
  const downTopic = stack.outputs.ScaleDownTopicArn;
  if (!upTopic || !downTopic) {
    throw new Error(`the package in ${packageDir} exports no ScaleUpTopicArn/ScaleDownTopicArn`);
  }
  const { cloudwatch } = createClients(
    { endpoint: emulator.url, region: emulator.defaultRegion },
    {},
  );
  const minShards = Number(policy.tags['kinesis-autoscaler:min-shards'] ?? 1);
  const pair = buildAlarmPair({
    streamName: STREAM_NAME,
    shardCount: initialShards,
    scaleUpTopicArn: upTopic,
    scaleDownTopicArn: downTopic,
    scaleUp: policy.scaleUp,
    scaleDown: policy.scaleDown,
    scaleDownActionsEnabled: initialShards > minShards,
  });
  await cloudwatch.send(new PutMetricAlarmCommand(pair.up));
  await cloudwatch.send(new PutMetricAlarmCommand(pair.down));
  cloudwatch.destroy();
}
