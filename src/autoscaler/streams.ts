import {
  DescribeStreamSummaryCommand,
  ListTagsForStreamCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { InputError, isErrorNamed } from './errors.js';

/** The autoscaler's reads of a stream, shared by the scaling functions and the reconciler. */

export interface StreamSummary {
  status: string;
  mode: string;
  openShards: number;
}

export async function describeStream(
  kinesis: KinesisClient,
  stream: string,
): Promise<StreamSummary> {
  try {
    const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    const d = out.StreamDescriptionSummary;
    return {
      status: d?.StreamStatus ?? 'UNKNOWN',
      mode: d?.StreamModeDetails?.StreamMode ?? 'PROVISIONED',
      openShards: d?.OpenShardCount ?? 0,
    };
  } catch (err) {
    if (isErrorNamed(err, 'ResourceNotFoundException')) {
      throw new InputError(`stream ${stream} named by the alarm does not exist`, { cause: err });
    }
    throw err;
  }
}

export async function streamTags(
  kinesis: KinesisClient,
  stream: string,
): Promise<Record<string, string>> {
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
