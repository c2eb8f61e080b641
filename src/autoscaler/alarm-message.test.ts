import { describe, expect, it } from 'vitest';
import {
  awsMessage2020,
  awsMessageNew,
  localstackMessage,
  snsEvent,
  UP_ALARM,
} from '../../test/fixtures/alarm-messages.js';
import {
  EVENT_TIME_WINDOW,
  eventTimeProblem,
  MessageError,
  parseAlarmTime,
  parseSnsEvent,
} from './alarm-message.js';

const T = Date.parse('2026-03-02T10:17:44.775Z');

describe('parseSnsEvent', () => {
  it.each([
    ['AWS 2020 form', awsMessage2020()],
    ['AWS newer form', awsMessageNew()],
    ['LocalStack form (no Trigger.Metrics)', localstackMessage()],
  ])('accepts the %s', (_name, message) => {
    const { events, rejected } = parseSnsEvent(snsEvent(message, 'm-1'));
    expect(rejected).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({
        messageId: 'm-1',
        alarmName: UP_ALARM,
        newState: 'ALARM',
        stateChangeTime: T,
      }),
    ]);
  });

  it('rejects a non-SNS event as a whole', () => {
    expect(() => parseSnsEvent({ hello: 'world' })).toThrow(/not an SNS event: Records/);
    expect(() => parseSnsEvent({ Records: [] })).toThrow(/Records is empty/);
    expect(() => parseSnsEvent(null)).toThrow(MessageError);
  });

  it('rejects bad records one by one, naming what is wrong', () => {
    const good = snsEvent(awsMessage2020(), 'good').Records[0]!;
    const notJson = { ...good, Sns: { ...good.Sns, MessageId: 'nj', Message: 'hello' } };
    const notAlarm = { ...good, Sns: { ...good.Sns, MessageId: 'na', Message: '{"foo":1}' } };
    const badTime = {
      ...good,
      Sns: { ...good.Sns, MessageId: 'bt', Message: awsMessage2020(UP_ALARM, 'yesterday') },
    };
    const badState = {
      ...good,
      Sns: {
        ...good.Sns,
        MessageId: 'bs',
        Message: JSON.stringify({ ...JSON.parse(awsMessage2020()), NewStateValue: 'ON_FIRE' }),
      },
    };
    const wrongSource = { ...good, EventSource: 'aws:sqs' };
    const { events, rejected } = parseSnsEvent({
      Records: [good, notJson, notAlarm, badTime, badState, wrongSource],
    });
    expect(events.map((e) => e.messageId)).toEqual(['good']);
    expect(rejected.map((r) => [r.index, r.messageId])).toEqual([
      [1, 'nj'],
      [2, 'na'],
      [3, 'bt'],
      [4, 'bs'],
      [5, undefined],
    ]);
    expect(rejected[0]!.error).toMatch(/not JSON/);
    expect(rejected[1]!.error).toMatch(/AlarmName/);
    expect(rejected[2]!.error).toMatch(/StateChangeTime "yesterday" is not an ISO-8601 timestamp/);
    expect(rejected[3]!.error).toMatch(/NewStateValue/);
    expect(rejected[4]!.error).toMatch(/EventSource must be "aws:sns"/);
  });
});

describe('parseAlarmTime', () => {
  it.each([
    ['2020-04-23T21:17:44.775+0000', Date.parse('2020-04-23T21:17:44.775Z')],
    ['2020-04-23T21:17:44.775Z', Date.parse('2020-04-23T21:17:44.775Z')],
    ['2020-04-23T23:17:44.775+0200', Date.parse('2020-04-23T21:17:44.775Z')],
    ['2020-04-23T21:17:44+00:00', Date.parse('2020-04-23T21:17:44Z')],
  ])('reads %s', (text, ms) => {
    expect(parseAlarmTime(text)).toBe(ms);
  });
  it('refuses dates without time', () => {
    expect(() => parseAlarmTime('2020-04-23')).toThrow(/not an ISO-8601/);
  });
});

describe('strict alarm times (issue 11)', () => {
  it.each([
    ['2026-02-30T10:00:00.000+0000', /no day 30 in 2026-02/],
    ['2025-02-29T10:00:00Z', /no day 29 in 2025-02/],
    ['2026-13-01T10:00:00Z', /no month 13/],
    ['2026-04-31T10:00:00Z', /no day 31/],
    ['2026-03-02T24:00:00Z', /time of day out of range/],
    ['2026-03-02T10:60:00Z', /time of day out of range/],
    ['2026-03-02T10:00:00', /not an ISO-8601/],
    ['2026-03-02T10:00:00+2500', /offset out of range/],
    ['Mon, 02 Mar 2026 10:00:00 GMT', /not an ISO-8601/],
  ])('rejects %s', (text, why) => {
    expect(() => parseAlarmTime(text)).toThrow(MessageError);
    expect(() => parseAlarmTime(text)).toThrow(why);
  });

  it('accepts a leap day and offsets with or without a colon', () => {
    expect(parseAlarmTime('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
    expect(parseAlarmTime('2026-03-02T12:00:00.5+02:00')).toBe(Date.UTC(2026, 2, 2, 10, 0, 0, 500));
    expect(parseAlarmTime('2026-03-02T08:00:00.000-0200')).toBe(Date.UTC(2026, 2, 2, 10));
  });
});

describe('eventTimeProblem', () => {
  const now = Date.UTC(2026, 2, 2, 10);
  it('accepts times inside the documented window', () => {
    expect(eventTimeProblem(now, now)).toBeUndefined();
    expect(eventTimeProblem(now - EVENT_TIME_WINDOW.maxAgeMs, now)).toBeUndefined();
    expect(eventTimeProblem(now + EVENT_TIME_WINDOW.maxLeadMs, now)).toBeUndefined();
  });
  it('names times outside it', () => {
    expect(eventTimeProblem(now + EVENT_TIME_WINDOW.maxLeadMs + 1, now)).toMatch(/in the future/);
    expect(eventTimeProblem(now - EVENT_TIME_WINDOW.maxAgeMs - 1, now)).toMatch(/6 hours old/);
  });
});
