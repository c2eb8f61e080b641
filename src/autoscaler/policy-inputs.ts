/**
 * Gathers the policy's context beyond the alarm's minutes, reading only what the stream's levers
 * need: streams with every history lever off cost no extra GetMetricData call.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ScalingConfig } from './config.js';
import { fetchHistory } from './metrics.js';
import type { PolicyContext } from './policy.js';

export async function policyContext(
  cloudwatch: CloudWatchClient,
  streamName: string,
  at: number,
  config: ScalingConfig,
): Promise<PolicyContext> {
  const needsHistory =
    config.policy === 'ours' && (config.headroom || config.forecast || config.budget);
  if (!needsHistory) return { now: at };
  return { now: at, history: await fetchHistory(cloudwatch, streamName, at) };
}
