import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import { errorName } from '../aws/errors.js';
import { KitError, EXIT } from './errors.js';
import { plural } from './text.js';
import type { Sleep } from './time.js';

export async function describeStream(
  kinesis: KinesisClient,
  name: string,
): Promise<StreamDescriptionSummary> {
  try {
    const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (!out.StreamDescriptionSummary)
      throw new KitError(`stream ${name}: empty DescribeStreamSummary answer`);
    return out.StreamDescriptionSummary;
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException')
      throw new KitError(`stream ${name} does not exist`);
    throw err;
  }
}

export async function createStream(
  kinesis: KinesisClient,
  input: { name: string; shards: number; onDemand?: boolean; tags?: Record<string, string> },
): Promise<void> {
  if (!input.onDemand && !(Number.isInteger(input.shards) && input.shards >= 1)) {
    throw new KitError(
      `--shards must be a whole number of at least 1, got ${input.shards}`,
      EXIT.usage,
    );
  }
  try {
    await kinesis.send(
      new CreateStreamCommand(
        input.onDemand
          ? { StreamName: input.name, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }
          : {
              StreamName: input.name,
              ShardCount: input.shards,
              StreamModeDetails: { StreamMode: 'PROVISIONED' },
            },
      ),
    );
  } catch (err) {
    if (errorName(err) === 'ResourceInUseException')
      throw new KitError(`stream ${input.name} already exists`);
    throw err;
  }
  if (input.tags && Object.keys(input.tags).length > 0) {
    await kinesis.send(new AddTagsToStreamCommand({ StreamName: input.name, Tags: input.tags }));
  }
}

export interface WaitOptions {
  /** Wait for this many open shards too; otherwise only for ACTIVE. */
  shards?: number;
  timeoutMs: number;
  pollMs: number;
  sleep: Sleep;
  now: () => number;
  onPoll?: (summary: StreamDescriptionSummary) => void;
  /**
   * Fail at once when the stream does not exist, instead of waiting for it to appear (which only
   * makes sense right after CreateStream).
   */
  mustExist?: boolean;
}

/** Polls until the stream is ACTIVE (with N open shards); a KitError with exit code 3 on timeout. */
export async function waitForStream(
  kinesis: KinesisClient,
  name: string,
  opts: WaitOptions,
): Promise<StreamDescriptionSummary> {
  const deadline = opts.now() + opts.timeoutMs;
  for (;;) {
    const summary = await describeStream(kinesis, name).catch((err: unknown) => {
      // A stream that is still being created may not be visible yet on every target.
      if (!opts.mustExist && err instanceof KitError && /does not exist/.test(err.message))
        return undefined;
      throw err;
    });
    if (summary) opts.onPoll?.(summary);
    const ready =
      summary?.StreamStatus === 'ACTIVE' &&
      (opts.shards === undefined || summary.OpenShardCount === opts.shards);
    if (ready) return summary;
    if (opts.now() >= deadline) {
      const state = summary
        ? `${summary.StreamStatus} with ${plural(summary.OpenShardCount, 'open shard')}`
        : 'not found';
      const goal =
        opts.shards === undefined ? 'ACTIVE' : `ACTIVE with ${plural(opts.shards, 'open shard')}`;
      throw new KitError(
        `timed out after ${Math.round(opts.timeoutMs / 1000)} s waiting for stream ${name} to be ${goal}; it is ${state}`,
        EXIT.timeout,
      );
    }
    await opts.sleep(opts.pollMs);
  }
}
