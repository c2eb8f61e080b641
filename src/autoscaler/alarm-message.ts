import { z } from 'zod';

/**
 * Parsing of what SNS hands the scaling Lambdas. Only the fields the autoscaler relies on are
 * required; everything else CloudWatch or LocalStack may add (or leave out) is tolerated, because the
 * live alarm is read with DescribeAlarms rather than trusted from the message.
 */

export class MessageError extends Error {
  override readonly name = 'MessageError';
}

const snsRecordSchema = z.object({
  EventSource: z.literal('aws:sns', { error: 'EventSource must be "aws:sns"' }),
  Sns: z.object({
    MessageId: z.string().min(1),
    TopicArn: z.string().min(1),
    Message: z.string(),
    Timestamp: z.string().optional(),
    Subject: z.string().nullish(),
  }),
});

const snsEventSchema = z.object({
  Records: z.array(z.unknown()).min(1, 'Records is empty'),
});

const alarmStates = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

const alarmMessageSchema = z.object({
  AlarmName: z.string().min(1),
  NewStateValue: z.enum(alarmStates),
  OldStateValue: z.enum(alarmStates).optional(),
  StateChangeTime: z.string().min(1),
  NewStateReason: z.string().nullish(),
  AlarmArn: z.string().nullish(),
  Region: z.string().nullish(),
  AWSAccountId: z.string().nullish(),
});

export type AlarmState = (typeof alarmStates)[number];

/** One alarm state change, as delivered in one SNS record. */
export interface AlarmEvent {
  messageId: string;
  topicArn: string;
  alarmName: string;
  newState: AlarmState;
  oldState: AlarmState | undefined;
  /** Epoch ms of the state change: the decision's clock. */
  stateChangeTime: number;
  reason: string | undefined;
}

/** A record that could not be parsed, kept with its index so the log names which one. */
export interface RejectedRecord {
  index: number;
  messageId: string | undefined;
  error: string;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/**
 * CloudWatch writes `2020-04-23T21:17:44.775+0000`; ISO-8601 parsers need the colon in the offset.
 */
export function parseAlarmTime(value: string): number {
  const normalised = value.trim().replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(normalised);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(normalised) || Number.isNaN(ms)) {
    throw new MessageError(`StateChangeTime ${JSON.stringify(value)} is not an ISO-8601 timestamp`);
  }
  return ms;
}

export function parseAlarmMessage(
  message: string,
  meta: { messageId: string; topicArn: string },
): AlarmEvent {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    throw new MessageError(
      `SNS message ${meta.messageId} is not JSON: ${JSON.stringify(message.slice(0, 80))}`,
    );
  }
  const parsed = alarmMessageSchema.safeParse(json);
  if (!parsed.success) {
    throw new MessageError(
      `SNS message ${meta.messageId} is not a CloudWatch alarm state change: ${describeIssues(parsed.error)}`,
    );
  }
  const m = parsed.data;
  return {
    messageId: meta.messageId,
    topicArn: meta.topicArn,
    alarmName: m.AlarmName,
    newState: m.NewStateValue,
    oldState: m.OldStateValue,
    stateChangeTime: parseAlarmTime(m.StateChangeTime),
    reason: m.NewStateReason ?? undefined,
  };
}

/**
 * Splits an SNS Lambda event into alarm events and rejected records. A malformed event as a whole
 * (no Records) throws; a malformed record is reported without stopping the others.
 */
export function parseSnsEvent(event: unknown): {
  events: AlarmEvent[];
  rejected: RejectedRecord[];
} {
  const envelope = snsEventSchema.safeParse(event);
  if (!envelope.success) {
    throw new MessageError(`not an SNS event: ${describeIssues(envelope.error)}`);
  }
  const events: AlarmEvent[] = [];
  const rejected: RejectedRecord[] = [];
  envelope.data.Records.forEach((raw, index) => {
    const record = snsRecordSchema.safeParse(raw);
    if (!record.success) {
      rejected.push({
        index,
        messageId: undefined,
        error: `record ${index} is not an SNS notification: ${describeIssues(record.error)}`,
      });
      return;
    }
    const { MessageId, TopicArn, Message } = record.data.Sns;
    try {
      events.push(parseAlarmMessage(Message, { messageId: MessageId, topicArn: TopicArn }));
    } catch (err) {
      rejected.push({ index, messageId: MessageId, error: (err as Error).message });
    }
  });
  return { events, rejected };
}
