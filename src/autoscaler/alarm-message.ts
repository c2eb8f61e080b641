import { z } from 'zod';
import { errorMessage, InputError } from './errors.js';

/**
 * Parsing of what SNS hands the scaling Lambdas. Only the fields the autoscaler relies on are
 * required; everything else CloudWatch or LocalStack may add (or leave out) is tolerated, because the
 * live alarm is read with DescribeAlarms rather than trusted from the message.
 */

export class MessageError extends InputError {
  override name = 'MessageError';
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

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Parses an alarm timestamp strictly. CloudWatch writes `2020-04-23T21:17:44.775+0000` (no colon in
 * the offset); ISO-8601 with `Z` or `+00:00` is accepted too. `Date.parse` alone is too lenient
 * (it rolls `2026-02-30` over to March 2), so every field is range-checked against the calendar.
 */
export function parseAlarmTime(value: string): number {
  const invalid = (why: string) =>
    new MessageError(`StateChangeTime ${JSON.stringify(value)} ${why}`);
  const m = ISO_TIMESTAMP.exec(value.trim());
  if (!m) throw invalid('is not an ISO-8601 timestamp');
  const [, y, mo, d, h, mi, sec, frac = '', zone] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, sec].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12) throw invalid(`has no month ${month}`);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) throw invalid(`has no day ${day} in ${y}-${mo}`);
  if (hour > 23 || minute > 59 || second > 59) throw invalid('has a time of day out of range');
  let ms = Date.UTC(
    year,
    month - 1,
    day,
    hour,
    minute,
    second,
    Number(frac.padEnd(3, '0').slice(0, 3)),
  );
  if (zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone!)!;
    const offsetMinutes = Number(z[2]) * 60 + Number(z[3]);
    if (Number(z[2]) > 23 || Number(z[3]) > 59) throw invalid('has an offset out of range');
    ms -= (z[1] === '+' ? 1 : -1) * offsetMinutes * 60_000;
  }
  return ms;
}

/**
 * How far a message's StateChangeTime may be from now (the services' clock). Older than six hours
 * is older than any delivery Lambda makes (six hours is the longest an async event is kept); more
 * than five minutes ahead is beyond the clock skew AWS itself tolerates in signed requests. Either
 * way the message was not sent by CloudWatch for a state change it still holds.
 */
export const EVENT_TIME_WINDOW = { maxAgeMs: 6 * 3600_000, maxLeadMs: 5 * 60_000 } as const;

/** Why an event time is outside the window around `now`, or undefined when it is inside. */
export function eventTimeProblem(eventTime: number, now: number): string | undefined {
  const iso = new Date(eventTime).toISOString();
  if (eventTime > now + EVENT_TIME_WINDOW.maxLeadMs) {
    return `StateChangeTime ${iso} is in the future (now is ${new Date(now).toISOString()}); more than ${EVENT_TIME_WINDOW.maxLeadMs / 60_000} minutes ahead is not a real state change`;
  }
  if (eventTime < now - EVENT_TIME_WINDOW.maxAgeMs) {
    return `StateChangeTime ${iso} is more than ${EVENT_TIME_WINDOW.maxAgeMs / 3600_000} hours old (now is ${new Date(now).toISOString()}); no delivery is that late`;
  }
  return undefined;
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
      rejected.push({ index, messageId: MessageId, error: errorMessage(err) });
    }
  });
  return { events, rejected };
}
