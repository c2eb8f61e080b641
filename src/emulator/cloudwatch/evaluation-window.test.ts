/**
 * EvaluationWindow: when a multi-minute alarm reacts under a sliding window (the default) and under
 * a wall clock window, in UTC and in other time zones; its validation; and its round trip through
 * both wire protocols.
 */
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../aws/clients.js';
import { ManualClock } from '../clock.js';
import { AwsError } from '../protocol/errors.js';
import { EdgeServer } from '../server.js';
import { evaluationWindowRule, type ApiEvaluationWindow } from './evaluation-window.js';
import { CloudWatchJsonEndpoint } from './protocol-json.js';
import { CloudWatchQueryEndpoint } from './protocol-query.js';
import type { PutMetricAlarmInput } from './schemas.js';
import { CloudWatchModel } from './model.js';
import { disposeModels, modelAt } from './test-model.js';

/** A Thursday at 00:00 UTC: a boundary of every period but the week. */
const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

afterEach(disposeModels);

function setup() {
  return modelAt(T0, '000000000000');
}

function records(model: CloudWatchModel, minute: number, sum: number) {
  model.putMetric({
    namespace: 'AWS/Kinesis',
    metricName: 'IncomingRecords',
    dimensions: [{ name: 'StreamName', value: 'orders' }],
    timestamp: T0 + minute * MIN + 5_000,
    unit: 'Count',
    sum,
    sampleCount: 1,
    min: sum,
    max: sum,
  });
}

const alarm = (
  name: string,
  period: number,
  window?: ApiEvaluationWindow,
): PutMetricAlarmInput => ({
  AlarmName: name,
  Namespace: 'AWS/Kinesis',
  MetricName: 'IncomingRecords',
  Dimensions: [{ Name: 'StreamName', Value: 'orders' }],
  Statistic: 'Sum',
  Period: period,
  EvaluationPeriods: 1,
  Threshold: 1000,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
  ...(window ? { EvaluationWindow: window } : {}),
});

/** Advances minute by minute and returns the minute (since T0) at which each alarm went to ALARM. */
async function alarmMinutes(
  clock: ManualClock,
  model: CloudWatchModel,
  untilMinute: number,
): Promise<Record<string, number>> {
  const at: Record<string, number> = {};
  for (let minute = 1; minute <= untilMinute; minute++) {
    await clock.advanceTo(T0 + minute * MIN);
    for (const a of model.describeAlarms({}).MetricAlarms) {
      const name = a.AlarmName as string;
      if (a.StateValue === 'ALARM' && at[name] === undefined) at[name] = minute;
    }
  }
  return at;
}

function expectValidationError(fn: () => unknown, message: RegExp) {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(AwsError);
  expect((thrown as AwsError).code).toBe('ValidationError');
  expect((thrown as AwsError).message).toMatch(message);
}

describe('evaluation windows', () => {
  it('reacts to a five-minute alarm within a minute with the default sliding window, at the next boundary with a wall clock window', async () => {
    const { clock, model } = setup();
    model.putMetricAlarm(alarm('default', 300));
    model.putMetricAlarm(alarm('sliding', 300, { SlidingWindow: {} }));
    model.putMetricAlarm(alarm('wall-clock', 300, { WallClockWindow: {} }));
    // Traffic that crosses the threshold from minute 11 (an alarm evaluated at 12:00 judges data
    // up to 11:00, one minute of delay, the same for every window).
    for (let m = 11; m < 30; m++) records(model, m, 1000);
    expect(await alarmMinutes(clock, model, 30)).toEqual({
      // The sliding window over [7, 12) holds minute 11 at the evaluation of minute 13.
      default: 13,
      sliding: 13,
      // The wall clock window [10, 15) closes at 15 and is judged one minute later.
      'wall-clock': 16,
    });
  });

  it('aligns hourly wall clock windows to the time zone, IANA names and fixed offsets alike', async () => {
    const { clock, model } = setup();
    model.putMetricAlarm(alarm('utc', 3600, { WallClockWindow: { Timezone: 'UTC' } }));
    model.putMetricAlarm(alarm('india', 3600, { WallClockWindow: { Timezone: 'Asia/Kolkata' } }));
    model.putMetricAlarm(alarm('offset', 3600, { WallClockWindow: { Timezone: '+05:30' } }));
    model.putMetricAlarm(alarm('prefixed', 3600, { WallClockWindow: { Timezone: 'UTC+05:30' } }));
    model.putMetricAlarm(alarm('sliding', 3600));
    records(model, 40, 1000);
    expect(await alarmMinutes(clock, model, 100)).toEqual({
      sliding: 42,
      // [00:00, 01:00) UTC, judged at 01:01.
      utc: 61,
      // India's hours start at :30 UTC: [00:30, 01:30), judged at 01:31.
      india: 91,
      offset: 91,
      prefixed: 91,
    });
  });

  it('places wall clock boundaries at local midnight across daylight saving, and weeks from Monday', () => {
    const newYork = evaluationWindowRule(
      { WallClockWindow: { Timezone: 'America/New_York' } },
      86_400,
    );
    // US daylight saving starts on Sunday 2026-03-08: midnight is 05:00 UTC before, 04:00 after.
    expect(new Date(newYork.end(Date.UTC(2026, 2, 8, 12), DAY)).toISOString()).toBe(
      '2026-03-08T05:00:00.000Z',
    );
    expect(new Date(newYork.end(Date.UTC(2026, 2, 9, 12), DAY)).toISOString()).toBe(
      '2026-03-09T04:00:00.000Z',
    );
    // 02:00 UTC on the 9th is still the 8th in New York.
    expect(new Date(newYork.end(Date.UTC(2026, 2, 9, 2), DAY)).toISOString()).toBe(
      '2026-03-08T05:00:00.000Z',
    );
    const week = evaluationWindowRule({ WallClockWindow: {} }, 604_800);
    // Thursday 2026-01-01 and Sunday 2026-01-04 belong to the week of Monday 2025-12-29.
    expect(new Date(week.end(T0, 7 * DAY)).toISOString()).toBe('2025-12-29T00:00:00.000Z');
    expect(new Date(week.end(Date.UTC(2026, 0, 4, 23), 7 * DAY)).toISOString()).toBe(
      '2025-12-29T00:00:00.000Z',
    );
    expect(new Date(week.end(Date.UTC(2026, 0, 5), 7 * DAY)).toISOString()).toBe(
      '2026-01-05T00:00:00.000Z',
    );
    // The sliding window ends at the last full minute whatever the period.
    const sliding = evaluationWindowRule(undefined, 300);
    expect(sliding.end(T0 + 7 * MIN + 30_000, 5 * MIN)).toBe(T0 + 7 * MIN);
    expect(sliding.end(T0 + 25_000, 10_000)).toBe(T0 + 20_000);
  });

  it('refuses wall clock windows on other periods, unknown time zones and ambiguous unions', () => {
    const { model } = setup();
    expectValidationError(
      () => model.putMetricAlarm(alarm('a', 120, { WallClockWindow: {} })),
      /WallClockWindow needs the alarm's period to be 60, 300, 3600, 86400 or 604800 seconds \(got 120\)/,
    );
    expectValidationError(
      () => model.putMetricAlarm(alarm('a', 30, { WallClockWindow: {} })),
      /\(got 30\)/,
    );
    expectValidationError(
      () =>
        model.putMetricAlarm(alarm('a', 300, { WallClockWindow: { Timezone: 'Mars/Olympus' } })),
      /Invalid value 'Mars\/Olympus' for EvaluationWindow\.WallClockWindow\.Timezone/,
    );
    expectValidationError(
      () => model.putMetricAlarm(alarm('a', 300, { WallClockWindow: { Timezone: '+05:07' } })),
      /multiple of 5 minutes/,
    );
    expectValidationError(
      () => model.putMetricAlarm(alarm('a', 300, { SlidingWindow: {}, WallClockWindow: {} })),
      /exactly one of SlidingWindow and WallClockWindow \(got both\)/,
    );
    expectValidationError(() => model.putMetricAlarm(alarm('a', 300, {})), /\(got neither\)/);
    expect(model.describeAlarms({}).MetricAlarms).toEqual([]);
  });

  it('goes back to the sliding default when an update leaves EvaluationWindow out', async () => {
    const { clock, model } = setup();
    model.putMetricAlarm(alarm('a', 300, { WallClockWindow: {} }));
    expect(model.describeAlarms({}).MetricAlarms[0]!.EvaluationWindow).toEqual({
      WallClockWindow: {},
    });
    // PutMetricAlarm replaces the whole configuration, as for every other optional field.
    model.putMetricAlarm(alarm('a', 300));
    expect(model.describeAlarms({}).MetricAlarms[0]!.EvaluationWindow).toBeUndefined();
    for (let m = 11; m < 20; m++) records(model, m, 1000);
    expect(await alarmMinutes(clock, model, 20)).toEqual({ a: 13 });
  });
});

describe('EvaluationWindow on the wire', () => {
  const clock = new ManualClock(T0);
  const model = new CloudWatchModel({
    clock,
    region: 'us-east-1',
    accountId: '000000000000',
    publisher: { publish: () => Promise.resolve({ messageId: 'm' }) },
  });
  const server = new EdgeServer({
    endpoints: [new CloudWatchJsonEndpoint(() => model), new CloudWatchQueryEndpoint(() => model)],
    defaultRegion: 'us-east-1',
    accountId: '000000000000',
  });
  let url = '';
  let cw: CloudWatchClient;
  const parser = new XMLParser({ ignoreAttributes: false });
  const query = async (params: Record<string, string>) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: new URLSearchParams({ Version: '2010-08-01', ...params }).toString(),
    });
    // Parsed XML has no static shape; the assertions below are what check it.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, xml: parser.parse(await res.text()) as Record<string, any> };
  };
  const queryAlarm = (name: string, extra: Record<string, string>) =>
    query({
      Action: 'PutMetricAlarm',
      AlarmName: name,
      Namespace: 'AWS/Kinesis',
      MetricName: 'IncomingRecords',
      'Dimensions.member.1.Name': 'StreamName',
      'Dimensions.member.1.Value': 'orders',
      Statistic: 'Sum',
      Period: '300',
      EvaluationPeriods: '1',
      Threshold: '1000',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      ...extra,
    });

  beforeAll(async () => {
    url = (await server.listen(0)).url;
    cw = new CloudWatchClient(clientConfig({ endpoint: url, region: 'us-east-1' }, {}));
  });
  afterAll(async () => {
    cw.destroy();
    model.dispose();
    await server.close();
  });

  it('round-trips through the JSON protocol (@aws-sdk/client-cloudwatch)', async () => {
    const base = alarm('json-wall', 86_400);
    await cw.send(
      new PutMetricAlarmCommand({
        ...base,
        Statistic: 'Sum',
        EvaluationWindow: { WallClockWindow: { Timezone: 'America/New_York' } },
      }),
    );
    await cw.send(
      new PutMetricAlarmCommand({
        ...alarm('json-sliding', 300),
        Statistic: 'Sum',
        EvaluationWindow: { SlidingWindow: {} },
      }),
    );
    const { EvaluationWindow, ...unset } = alarm('json-unset', 300);
    expect(EvaluationWindow).toBeUndefined();
    await cw.send(new PutMetricAlarmCommand({ ...unset, Statistic: 'Sum' }));
    const out = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'json-' }));
    expect(
      Object.fromEntries((out.MetricAlarms ?? []).map((a) => [a.AlarmName, a.EvaluationWindow])),
    ).toEqual({
      'json-sliding': { SlidingWindow: {} },
      'json-unset': undefined,
      'json-wall': { WallClockWindow: { Timezone: 'America/New_York' } },
    });
    await expect(
      cw.send(
        new PutMetricAlarmCommand({
          ...alarm('json-bad', 120),
          Statistic: 'Sum',
          EvaluationWindow: { WallClockWindow: {} },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('round-trips through the Query protocol (AWS CLI, boto3)', async () => {
    const wall = await queryAlarm('query-wall', {
      'EvaluationWindow.WallClockWindow.Timezone': 'UTC+05:30',
    });
    expect(wall.status).toBe(200);
    // An empty structure has no fields to send: botocore leaves it out, others send it empty.
    expect(
      (await queryAlarm('query-sliding', { 'EvaluationWindow.SlidingWindow': '' })).status,
    ).toBe(200);
    const described = await query({ Action: 'DescribeAlarms', AlarmNamePrefix: 'query-' });
    expect(described.status).toBe(200);
    const members = described.xml.DescribeAlarmsResponse.DescribeAlarmsResult.MetricAlarms.member;
    expect(
      Object.fromEntries(
        (members as { AlarmName: string; EvaluationWindow: unknown }[]).map((a) => [
          a.AlarmName,
          a.EvaluationWindow,
        ]),
      ),
    ).toEqual({
      'query-sliding': { SlidingWindow: '' },
      'query-wall': { WallClockWindow: { Timezone: 'UTC+05:30' } },
    });
    const bad = await queryAlarm('query-bad', {
      'EvaluationWindow.WallClockWindow.Timezone': 'Nowhere/Special',
    });
    expect(bad.status).toBe(400);
    expect(bad.xml.ErrorResponse.Error.Code).toBe('ValidationError');
    expect(bad.xml.ErrorResponse.Error.Message).toMatch(/Nowhere\/Special/);
  });
});
