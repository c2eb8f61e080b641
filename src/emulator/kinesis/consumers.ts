/**
 * The enhanced fan-out consumer registry: RegisterStreamConsumer, DescribeStreamConsumer,
 * ListStreamConsumers, DeregisterStreamConsumer. Consumers are registered CREATING and become
 * ACTIVE after `creatingMs`; deregistered ones are DELETING for as long, then gone. At most 20
 * consumers per stream (AWS's quota). SubscribeToShard (HTTP/2 event streams) is not served.
 */
import { AwsError } from '../protocol/errors.js';
import type { StreamStore } from './store.js';
import { decodeToken, encodeToken } from './store.js';
import type { Consumer, StreamRef, StreamState } from './types.js';
import { invalidArgument, validateInt } from './validation.js';

export const MAX_CONSUMERS_PER_STREAM = 20;

const CONSUMER_ARN =
  /^(arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]+)\/consumer\/([a-zA-Z0-9_.-]+):(\d+)$/;

export interface ConsumerHost {
  readonly store: StreamStore;
  readonly creatingMs: number;
  later(delayMs: number, fn: () => void): void;
}

export class Consumers {
  constructor(private readonly host: ConsumerHost) {}

  register(input: { StreamARN: string; ConsumerName: string }): { Consumer: Consumer } {
    const { store } = this.host;
    const stream = store.requireStream({ StreamARN: input.StreamARN });
    if (stream.consumers.has(input.ConsumerName)) {
      throw new AwsError(
        'ResourceInUseException',
        `Consumer ${input.ConsumerName} under stream ${stream.name} under account ${store.accountId} already exists.`,
      );
    }
    if (stream.consumers.size >= MAX_CONSUMERS_PER_STREAM) {
      throw new AwsError(
        'LimitExceededException',
        `Stream ${stream.name} under account ${store.accountId} already has ${MAX_CONSUMERS_PER_STREAM} consumers, the most a stream can have.`,
      );
    }
    const now = store.clock.now();
    const consumer: Consumer = {
      ConsumerName: input.ConsumerName,
      ConsumerARN: `${stream.arn}/consumer/${input.ConsumerName}:${Math.floor(now / 1000)}`,
      ConsumerStatus: 'CREATING',
      ConsumerCreationTimestamp: new Date(now),
    };
    stream.consumers.set(consumer.ConsumerName, consumer);
    this.host.later(this.host.creatingMs, () => {
      if (consumer.ConsumerStatus === 'CREATING') consumer.ConsumerStatus = 'ACTIVE';
    });
    return { Consumer: { ...consumer } };
  }

  describe(input: { StreamARN?: string; ConsumerName?: string; ConsumerARN?: string }): {
    ConsumerDescription: Consumer & { StreamARN: string };
  } {
    const [stream, consumer] = this.find(input);
    return { ConsumerDescription: { ...consumer, StreamARN: stream.arn } };
  }

  deregister(input: { StreamARN?: string; ConsumerName?: string; ConsumerARN?: string }): void {
    const [stream, consumer] = this.find(input);
    consumer.ConsumerStatus = 'DELETING';
    this.host.later(this.host.creatingMs, () => {
      if (stream.consumers.get(consumer.ConsumerName) === consumer)
        stream.consumers.delete(consumer.ConsumerName);
    });
  }

  list(input: {
    StreamARN: string;
    NextToken?: string | undefined;
    MaxResults?: number | undefined;
    StreamCreationTimestamp?: Date | undefined;
  }): { Consumers: Consumer[]; NextToken?: string } {
    const { store } = this.host;
    if (input.MaxResults !== undefined) validateInt(input.MaxResults, 'maxResults', 1, 10_000);
    const stream = store.requireStream({ StreamARN: input.StreamARN });
    let after = '';
    if (input.NextToken !== undefined) {
      const t = decodeToken(input.NextToken);
      if (!t || typeof t.after !== 'string') {
        throw invalidArgument(`Invalid NextToken: ${input.NextToken}`);
      }
      after = t.after;
    }
    const all = [...stream.consumers.values()]
      .filter((c) => c.ConsumerName > after)
      .sort((a, b) => (a.ConsumerName < b.ConsumerName ? -1 : 1));
    const limit = input.MaxResults ?? 100;
    const page = all.slice(0, limit).map((c) => ({ ...c }));
    const out: { Consumers: Consumer[]; NextToken?: string } = { Consumers: page };
    if (all.length > limit)
      out.NextToken = encodeToken({ after: page[page.length - 1]!.ConsumerName });
    return out;
  }

  private find(input: {
    StreamARN?: string;
    ConsumerName?: string;
    ConsumerARN?: string;
  }): [StreamState, Consumer] {
    const { store } = this.host;
    let ref: StreamRef;
    let name: string;
    if (input.ConsumerARN !== undefined) {
      const m = CONSUMER_ARN.exec(input.ConsumerARN);
      if (!m) throw invalidArgument(`Invalid ConsumerARN ${input.ConsumerARN}.`);
      ref = { StreamARN: m[1] };
      name = m[2]!;
    } else if (input.StreamARN !== undefined && input.ConsumerName !== undefined) {
      ref = { StreamARN: input.StreamARN };
      name = input.ConsumerName;
    } else {
      throw invalidArgument(
        'Either ConsumerARN or both ConsumerName and StreamARN must be provided.',
      );
    }
    const stream = store.requireStream(ref);
    const consumer = stream.consumers.get(name);
    if (
      !consumer ||
      (input.ConsumerARN !== undefined && consumer.ConsumerARN !== input.ConsumerARN)
    ) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Consumer ${input.ConsumerARN ?? name} under stream ${stream.name} under account ${store.accountId} not found.`,
      );
    }
    return [stream, consumer];
  }
}
