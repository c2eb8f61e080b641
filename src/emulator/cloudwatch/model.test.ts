import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import type { NotificationPublisher } from '../contracts.js';
import { buildAlarmPair } from '../../autoscaler/alarm-contract.js';
import { AwsError } from '../protocol/errors.js';
import { buildAlarmNotification, formatJavaDouble, type AlarmSnapshot } from './alarm-message.js';
import { CloudWatchModel } from './model.js';
import {
  parseRequest,
  putMetricAlarmSchema,
  type MetricDataQuery,
  type PutMetricAlarmInput,
} from './schemas.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const STREAM = 'auto-scaling-demo-stream';
const TOPIC = 'arn:aws:sns:us-east-2:111111111111:scale-up';

interface Published {
  topicArn: string;
  subject?: string;
  message: string;
}

const models: CloudWatchModel[] = [];
afterEach(() => {
  for (const m of models.splice(0)) m.dispose();
});

function setup(region = 'us-east-1', opts: { failPublish?: boolean } = {}) {
  const clock = new ManualClock(T0);
  const published: Published[] = [];
  const publisher: NotificationPublisher = {
    publish: (input) => {
      if (opts.failPublish) return Promise.reject(new Error('topic does not exist'));
      published.push(input);
      return Promise.resolve({ messageId: `msg-${published.length}` });
    },
  };
  const model = new CloudWatchModel({ clock, region, accountId: '111111111111', publisher });
  models.push(model);
  return { clock, model, published };
}

function kinesis(model: CloudWatchModel, name: string, minute: number, sum: number, n = 1) {
  model.putMetric({
    namespace: 'AWS/Kinesis',
    metricName: name,
    dimensions: [{ name: 'StreamName', value: STREAM }],
    timestamp: T0 + minute * MIN + 5_000,
    unit: name === 'IncomingBytes' ? 'Bytes' : 'Count',
    sum,
    sampleCount: n,
    min: sum / n,
    max: sum / n,
  });
}

const stat = (id: string, metricName: string, extra: Partial<MetricDataQuery> = {}) =>
  ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Kinesis',
        MetricName: metricName,
        Dimensions: [{ Name: 'StreamName', Value: STREAM }],
      },
      Period: 60,
      Stat: 'Sum',
    },
    ReturnData: false,
    ...extra,
  }) satisfies MetricDataQuery;

const expr = (id: string, expression: string, returnData = false, label?: string) => ({
  Id: id,
  Expression: expression,
  ReturnData: returnData,
  ...(label ? { Label: label } : {}),
});

/** The queries of the autoscaler's scale-up alarm (see aws-facts.md). */
const autoscalerQueries = (shards: number): MetricDataQuery[] => [
  stat('m1', 'IncomingBytes', { Label: 'IncomingBytes' }),
  stat('m2', 'IncomingRecords', { Label: 'IncomingRecords' }),
  expr('e1', 'FILL(m1,0)', false, 'FillMissingDataPointsWithZeroForIncomingBytes'),
  expr('e2', 'FILL(m2,0)', false, 'FillMissingDataPointsWithZeroForIncomingRecords'),
  expr('e3', `e1/(1024*1024*60*${shards})`, false, 'IncomingBytesUsageFactor'),
  expr('e4', `e2/(1000*60*${shards})`, false, 'IncomingRecordsUsageFactor'),
  expr('e5', 'MAX([e3,e4])', true, 'ScalingTrigger'),
];

function expectAwsError(fn: () => unknown, code: string, message?: RegExp) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AwsError);
    expect((e as AwsError).code).toBe(code);
    if (message) expect((e as AwsError).message).toMatch(message);
    return;
  }
  throw new Error(`expected ${code}`);
}

const range = (fromMin: number, toMin: number) => ({
  StartTime: T0 + fromMin * MIN,
  EndTime: T0 + toMin * MIN,
});

describe('metrics', () => {
  it('aggregates per-minute statistics into periods', () => {
    const { model } = setup();
    for (let i = 0; i < 10; i++) kinesis(model, 'IncomingRecords', i, 100 + i, 2);
    const out = model.getMetricStatistics({
      Namespace: 'AWS/Kinesis',
      MetricName: 'IncomingRecords',
      Dimensions: [{ Name: 'StreamName', Value: STREAM }],
      ...range(0, 10),
      Period: 300,
      Statistics: ['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum'],
    });
    expect(out.Label).toBe('IncomingRecords');
    expect(out.Datapoints).toEqual([
      {
        Timestamp: new Date(T0),
        Sum: 510,
        SampleCount: 10,
        Average: 51,
        Minimum: 50,
        Maximum: 52,
        Unit: 'Count',
      },
      {
        Timestamp: new Date(T0 + 5 * MIN),
        Sum: 535,
        SampleCount: 10,
        Average: 53.5,
        Minimum: 52.5,
        Maximum: 54.5,
        Unit: 'Count',
      },
    ]);
  });

  it('folds many observations of one minute into one statistic set', () => {
    const { model } = setup();
    for (let i = 0; i < 1000; i++) kinesis(model, 'IncomingBytes', 3, 10);
    const out = model.getMetricStatistics({
      Namespace: 'AWS/Kinesis',
      MetricName: 'IncomingBytes',
      Dimensions: [{ Name: 'StreamName', Value: STREAM }],
      ...range(0, 60),
      Period: 60,
      Statistics: ['Sum', 'SampleCount'],
    });
    expect(out.Datapoints).toEqual([
      { Timestamp: new Date(T0 + 3 * MIN), Sum: 10_000, SampleCount: 1000, Unit: 'Bytes' },
    ]);
  });

  it('rejects AWS/ namespaces from clients but accepts them from emulated services', () => {
    const { model, clock } = setup();
    expectAwsError(
      () =>
        model.putMetricData({
          Namespace: 'AWS/Kinesis',
          MetricData: [{ MetricName: 'x', Value: 1 }],
        }),
      'InvalidParameterValue',
      /AWS\/Kinesis for parameter Namespace/,
    );
    model.putMetricData({
      Namespace: 'App',
      MetricData: [
        { MetricName: 'Latency', Value: 3, Timestamp: clock.now() },
        { MetricName: 'Latency', Values: [1, 5], Counts: [2, 1], Timestamp: clock.now() },
        {
          MetricName: 'Latency',
          StatisticValues: { SampleCount: 2, Sum: 8, Minimum: 2, Maximum: 6 },
        },
      ],
    });
    const out = model.getMetricStatistics({
      Namespace: 'App',
      MetricName: 'Latency',
      ...range(0, 1),
      Period: 60,
      Statistics: ['Sum', 'SampleCount', 'Minimum', 'Maximum'],
    });
    expect(out.Datapoints[0]).toMatchObject({ Sum: 18, SampleCount: 6, Minimum: 1, Maximum: 6 });
    expectAwsError(
      () =>
        model.putMetricData({
          Namespace: 'App',
          MetricData: [
            {
              MetricName: 'x',
              Value: 1,
              StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 },
            },
          ],
        }),
      'InvalidParameterCombination',
    );
    expectAwsError(
      () =>
        model.putMetricData({ Namespace: 'App', MetricData: [{ MetricName: 'x', Value: NaN }] }),
      'InvalidParameterValue',
    );
    expectAwsError(
      () =>
        model.getMetricStatistics({
          Namespace: 'App',
          MetricName: 'Latency',
          ...range(0, 1),
          Period: 60,
          ExtendedStatistics: ['p99'],
        }),
      'InvalidParameterValue',
      /percentile/,
    );
  });

  it('lists metrics with dimension filters', () => {
    const { model } = setup();
    kinesis(model, 'IncomingBytes', 0, 1);
    kinesis(model, 'IncomingRecords', 0, 1);
    model.putMetricData({ Namespace: 'App', MetricData: [{ MetricName: 'x', Value: 1 }] });
    const out = model.listMetrics({ Dimensions: [{ Name: 'StreamName' }] });
    expect(out.Metrics.map((m) => m.MetricName)).toEqual(['IncomingBytes', 'IncomingRecords']);
    expect(model.listMetrics({ Namespace: 'App' }).Metrics).toEqual([
      { Namespace: 'App', MetricName: 'x', Dimensions: [] },
    ]);
  });
});

describe('metric math', () => {
  it("computes the autoscaler's utilisation with a constant shard-count query", () => {
    const { model } = setup();
    // Minute 0: bytes dominate (half of 2 shards' byte capacity); minute 1: records dominate;
    // minute 2: no data at all, which FILL turns into zero.
    kinesis(model, 'IncomingBytes', 0, 0.5 * 2 * 1048576 * 60);
    kinesis(model, 'IncomingRecords', 0, 1000);
    kinesis(model, 'IncomingBytes', 1, 1000);
    kinesis(model, 'IncomingRecords', 1, 0.75 * 2 * 1000 * 60);
    const out = model.getMetricData({
      MetricDataQueries: [
        stat('m1', 'IncomingBytes'),
        stat('m2', 'IncomingRecords'),
        expr('shardCount', '2'),
        expr('e1', 'FILL(m1,0)'),
        expr('e2', 'FILL(m2,0)'),
        expr('e3', 'e1/(1048576*60*shardCount)'),
        expr('e4', 'e2/(1000*60*shardCount)'),
        expr('e5', 'MAX([e3,e4])', true),
      ],
      ...range(0, 3),
      ScanBy: 'TimestampAscending',
    });
    expect(out.MetricDataResults).toHaveLength(1);
    const [r] = out.MetricDataResults;
    expect(r).toMatchObject({ Id: 'e5', Label: 'e5', StatusCode: 'Complete' });
    expect(r!.Timestamps).toEqual([new Date(T0), new Date(T0 + MIN), new Date(T0 + 2 * MIN)]);
    expect(r!.Values).toEqual([0.5, 0.75, 0]);
  });

  it('fills with REPEAT, broadcasts constants and applies functions', () => {
    const { model } = setup();
    kinesis(model, 'IncomingRecords', 1, 10);
    kinesis(model, 'IncomingRecords', 4, -20);
    const out = model.getMetricData({
      MetricDataQueries: [
        stat('m', 'IncomingRecords'),
        expr('rep', 'FILL(m, REPEAT)', true),
        expr('lin', 'FILL(m, LINEAR)', true),
        expr('c', '7', true),
        expr('plus', 'm + 1', true),
        expr('fn', 'ABS(m) / 3 + CEIL(1.2) - FLOOR(0.9)', true),
        expr('agg', 'MAX(m) + MIN([m, 0]) * 0 + SUM(m) + AVG([m, 2])', true),
        expr('neg', '-m', true),
      ],
      ...range(0, 6),
      ScanBy: 'TimestampAscending',
    });
    const byId = Object.fromEntries(
      out.MetricDataResults.map((r) => [
        r.Id,
        (r.Timestamps as Date[]).map((t, i) => [
          (t.getTime() - T0) / MIN,
          (r.Values as number[])[i],
        ]),
      ]),
    );
    // Nothing before the first value to repeat, so minute 0 stays empty.
    expect(byId.rep).toEqual([
      [1, 10],
      [2, 10],
      [3, 10],
      [4, -20],
      [5, -20],
    ]);
    expect(byId.lin).toEqual([
      [1, 10],
      [2, 0],
      [3, -10],
      [4, -20],
    ]);
    expect(byId.c).toEqual([0, 1, 2, 3, 4, 5].map((m) => [m, 7]));
    expect(byId.plus).toEqual([
      [1, 11],
      [4, -19],
    ]);
    expect(byId.fn).toEqual([
      [1, 10 / 3 + 2],
      [4, 20 / 3 + 2],
    ]);
    // MAX(m)=10 and SUM(m)=-10 are scalars; AVG([m, 2]) is per timestamp.
    expect(byId.agg).toEqual([
      [1, 10 + -10 + 6],
      [4, 10 + -10 + -9],
    ]);
    expect(byId.neg).toEqual([
      [1, -10],
      [4, 20],
    ]);
  });

  it('compares, combines conditions and chooses with IF, per datapoint', () => {
    const { model } = setup();
    kinesis(model, 'IncomingRecords', 0, 10);
    kinesis(model, 'IncomingRecords', 1, 50);
    kinesis(model, 'IncomingRecords', 2, 90);
    kinesis(model, 'WriteProvisionedThroughputExceeded', 1, 3);
    kinesis(model, 'WriteProvisionedThroughputExceeded', 2, 0);
    const out = model.getMetricData({
      MetricDataQueries: [
        stat('m', 'IncomingRecords'),
        stat('t', 'WriteProvisionedThroughputExceeded'),
        expr('gt', 'm > 40', true),
        expr('band', 'm >= 50 AND m <= 50 || m == 10', true),
        expr('not', 'NOT (m != 90) + !0', true),
        expr('hot', 'IF(FILL(t, 0) > 0.01 * m, 1, m / 100)', true),
        expr('only', 'IF(m < 60, m)', true),
        expr('const', 'IF(1 OR 0, 5, m)', true),
        expr('pow', '2 ^ 3 ^ 2 * m / 1e5 - 2 * 3 ^ 2', true),
      ],
      ...range(0, 3),
      ScanBy: 'TimestampAscending',
    });
    const values = Object.fromEntries(out.MetricDataResults.map((r) => [r.Id, r.Values]));
    expect(values.gt).toEqual([0, 1, 1]);
    expect(values.band).toEqual([1, 1, 0]);
    expect(values.not).toEqual([1, 1, 2]);
    // Minute 1 throttled 3 of 50 records (more than 1%); minute 2 reported zero throttling.
    expect(values.hot).toEqual([0.1, 1, 0.9]);
    expect(values.only).toEqual([10, 50]);
    expect(values.const).toEqual([5, 5, 5]);
    // ^ is exponentiation, binds tighter than * and groups from the right.
    expect(values.pow).toEqual([512 * 10, 512 * 50, 512 * 90].map((x) => x / 1e5 - 18));
    expectAwsError(
      () =>
        model.getMetricData({
          MetricDataQueries: [stat('m', 'IncomingRecords'), expr('e', 'IF(m)', true)],
          ...range(0, 3),
        }),
      'ValidationError',
      /IF takes two or three arguments/,
    );
  });

  it("fires the autoscaler's scale-up alarm on throttling at half the stream's capacity", async () => {
    const { model, clock } = setup();
    const alarms = buildAlarmPair({
      streamName: STREAM,
      shardCount: 2,
      scaleUpTopicArn: TOPIC,
      scaleDownTopicArn: TOPIC,
    });
    model.putMetricAlarm(parseRequest(putMetricAlarmSchema, alarms.up));
    const name = alarms.up.AlarmName!;
    const minute = (m: number, throttled: number) => {
      // Half of two shards' record capacity accepted, `throttled` records refused on a hot shard.
      kinesis(model, 'IncomingRecords', m, 0.5 * 2 * 1000 * 60);
      kinesis(model, 'IncomingBytes', m, 0.5 * 2 * 1000 * 60 * 100);
      kinesis(model, 'WriteProvisionedThroughputExceeded', m, throttled);
    };
    minute(0, 0);
    minute(1, 30); // 0.05% of the records offered: below the 0.1% share
    minute(2, 300); // 0.5%
    // Each minute is evaluated once the next has ended (the evaluation delay).
    await clock.advanceTo(T0 + 3 * MIN + 1);
    expect(model.describeAlarms({ AlarmNames: [name] }).MetricAlarms[0]!.StateValue).toBe('OK');
    await clock.advanceTo(T0 + 4 * MIN + 1);
    expect(model.describeAlarms({ AlarmNames: [name] }).MetricAlarms[0]!.StateValue).toBe('ALARM');
  });

  it('pages with MaxDatapoints and NextToken, newest first by default', () => {
    const { model } = setup();
    for (let i = 0; i < 5; i++) kinesis(model, 'IncomingRecords', i, i);
    const request = {
      MetricDataQueries: [
        stat('a', 'IncomingRecords', { ReturnData: true }),
        expr('b', 'a * 10', true),
      ],
      ...range(0, 5),
      MaxDatapoints: 4,
    };
    const seen: Record<string, number[]> = { a: [], b: [] };
    let token: string | undefined;
    let pages = 0;
    do {
      const page = model.getMetricData({ ...request, ...(token ? { NextToken: token } : {}) });
      for (const r of page.MetricDataResults) seen[r.Id as string]!.push(...(r.Values as number[]));
      token = page.NextToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual({ a: [4, 3, 2, 1, 0], b: [40, 30, 20, 10, 0] });
    expectAwsError(
      () => model.getMetricData({ ...request, NextToken: 'garbage' }),
      'InvalidNextToken',
    );
  });

  it('rejects unsupported syntax, unknown ids and cycles with ValidationError', () => {
    const { model } = setup();
    const run =
      (...queries: MetricDataQuery[]) =>
      () =>
        model.getMetricData({ MetricDataQueries: queries, ...range(0, 5) });
    const m = stat('m', 'IncomingRecords');
    expectAwsError(
      run(m, expr('e', "SEARCH('{AWS/Kinesis}', 'Sum', 60)", true)),
      'ValidationError',
      /SEARCH/,
    );
    expectAwsError(
      run(m, expr('e', 'RATE(m)', true)),
      'ValidationError',
      /unsupported function RATE/,
    );
    expectAwsError(run(m, expr('e', 'm % 2', true)), 'ValidationError', /operator '%'/);
    expectAwsError(run(m, expr('e', 'm & 2', true)), 'ValidationError', /operator '&'/);
    expectAwsError(run(m, expr('e', 'nope * 2', true)), 'ValidationError', /unknown .* 'nope'/);
    expectAwsError(run(m, expr('e', 'm * (', true)), 'ValidationError', /syntax error/);
    expectAwsError(
      run(m, expr('a', 'b + 1'), expr('b', 'c + 1'), expr('c', 'a + m', true)),
      'ValidationError',
      /Circular reference.*a -> b -> c -> a/,
    );
    expectAwsError(run(m, expr('e', 'e + 1', true)), 'ValidationError', /its own id/);
    expectAwsError(run(m, expr('E1', 'm', true)), 'ValidationError', /lower-case/);
    expectAwsError(run(m, expr('m', '1', true)), 'ValidationError', /not unique/);
    expectAwsError(
      run(
        stat('p', 'IncomingRecords', {
          ReturnData: true,
          MetricStat: { ...m.MetricStat, Stat: 'p99' },
        }),
      ),
      'InvalidParameterValue',
      /percentile/,
    );
  });
});

const baseAlarm = (over: Partial<PutMetricAlarmInput> = {}): PutMetricAlarmInput => ({
  AlarmName: 'Kinesis_Auto_Scale_Up_Alarm',
  AlarmDescription: 'Alarm to scale up Kinesis stream',
  AlarmActions: [TOPIC],
  EvaluationPeriods: 1,
  DatapointsToAlarm: 1,
  Threshold: 0.4,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'ignore',
  Metrics: autoscalerQueries(1),
  ...over,
});

const singleAlarm = (over: Partial<PutMetricAlarmInput> = {}): PutMetricAlarmInput => ({
  AlarmName: 'records',
  MetricName: 'IncomingRecords',
  Namespace: 'AWS/Kinesis',
  Dimensions: [{ Name: 'StreamName', Value: STREAM }],
  Statistic: 'Sum',
  Period: 60,
  EvaluationPeriods: 3,
  DatapointsToAlarm: 2,
  Threshold: 100,
  ComparisonOperator: 'GreaterThanThreshold',
  AlarmActions: [TOPIC],
  OKActions: [TOPIC],
  ...over,
});

describe('alarm validation', () => {
  it('rejects what AWS rejects', () => {
    const { model } = setup();
    expectAwsError(
      () => model.putMetricAlarm(baseAlarm({ MetricName: 'IncomingBytes', Period: 60 })),
      'InvalidParameterCombination',
      /MetricName, Period/,
    );
    const metrics = autoscalerQueries(1);
    metrics[4] = { ...metrics[4]!, ReturnData: true };
    expectAwsError(
      () => model.putMetricAlarm(baseAlarm({ Metrics: metrics })),
      'ValidationError',
      /Exactly one element of the metrics list should return data/,
    );
    expectAwsError(
      () => model.putMetricAlarm(baseAlarm({ Metrics: [expr('M1', '1', true)] })),
      'ValidationError',
      /lower-case/,
    );
    expectAwsError(
      () => model.putMetricAlarm(singleAlarm({ Period: 45 })),
      'ValidationError',
      /10, 20, 30 or a multiple of 60/,
    );
    expectAwsError(
      () =>
        model.putMetricAlarm(
          singleAlarm({ Period: 300, EvaluationPeriods: 289, DatapointsToAlarm: 1 }),
        ),
      'ValidationError',
      /86400/,
    );
    model.putMetricAlarm(
      singleAlarm({ Period: 3600, EvaluationPeriods: 30, DatapointsToAlarm: 1 }),
    );
    expectAwsError(
      () => model.putMetricAlarm(singleAlarm({ DatapointsToAlarm: 4 })),
      'ValidationError',
      /DatapointsToAlarm/,
    );
    expectAwsError(
      () => model.putMetricAlarm(singleAlarm({ TreatMissingData: 'sometimes' })),
      'ValidationError',
      /Supported options for TreatMissingData are missing, ignore, breaching and notBreaching/,
    );
    expectAwsError(
      () => model.putMetricAlarm(singleAlarm({ Statistic: undefined })),
      'MissingParameter',
    );
    expectAwsError(
      () => model.putMetricAlarm(singleAlarm({ ExtendedStatistic: 'p90', Statistic: undefined })),
      'InvalidParameterValue',
      /percentile/,
    );
    expectAwsError(
      () =>
        model.putMetricAlarm(
          baseAlarm({
            Metrics: [...autoscalerQueries(1).slice(0, 6), expr('e5', 'MAX([e3,e9])', true)],
          }),
        ),
      'ValidationError',
      /'e9'/,
    );
    expectAwsError(
      () =>
        parseRequest(putMetricAlarmSchema, {
          ...singleAlarm(),
          ComparisonOperator: 'Bigger',
        }),
      'ValidationError',
      /Value 'Bigger' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set/,
    );
    expectAwsError(
      () => parseRequest(putMetricAlarmSchema, { ...singleAlarm(), AlarmName: undefined }),
      'ValidationError',
      /Value null at 'alarmName'/,
    );
  });

  it('stores every field, starts unchecked, and keeps the state on update', async () => {
    const { model, clock } = setup();
    model.putMetricAlarm({ ...baseAlarm(), Tags: [{ Key: 'team', Value: 'data' }] });
    const [created] = model.describeAlarms({
      AlarmNames: ['Kinesis_Auto_Scale_Up_Alarm'],
    }).MetricAlarms;
    expect(created).toEqual({
      AlarmName: 'Kinesis_Auto_Scale_Up_Alarm',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:Kinesis_Auto_Scale_Up_Alarm',
      AlarmDescription: 'Alarm to scale up Kinesis stream',
      AlarmConfigurationUpdatedTimestamp: new Date(T0),
      ActionsEnabled: true,
      OKActions: [],
      AlarmActions: [TOPIC],
      InsufficientDataActions: [],
      StateValue: 'INSUFFICIENT_DATA',
      StateReason: 'Unchecked: Initial alarm creation',
      StateUpdatedTimestamp: new Date(T0),
      StateTransitionedTimestamp: new Date(T0),
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 0.4,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'ignore',
      Metrics: autoscalerQueries(1),
    });
    await model.setAlarmState({
      AlarmName: 'Kinesis_Auto_Scale_Up_Alarm',
      StateValue: 'OK',
      StateReason: 'reset',
    });
    await clock.advance(5 * MIN);
    model.putMetricAlarm(baseAlarm({ Threshold: 0.8, Tags: [{ Key: 'ignored', Value: 'x' }] }));
    const [updated] = model.describeAlarms({}).MetricAlarms;
    expect(updated).toMatchObject({
      StateValue: 'OK',
      StateReason: 'reset',
      Threshold: 0.8,
      AlarmConfigurationUpdatedTimestamp: new Date(T0 + 5 * MIN),
    });
    expect(model.listTagsForResource({ ResourceARN: updated!.AlarmArn as string })).toEqual({
      Tags: [{ Key: 'team', Value: 'data' }],
    });
    const history = model.describeAlarmHistory({ AlarmName: 'Kinesis_Auto_Scale_Up_Alarm' });
    expect(history.AlarmHistoryItems.map((h) => [h.HistoryItemType, h.HistorySummary])).toEqual([
      ['ConfigurationUpdate', 'Alarm "Kinesis_Auto_Scale_Up_Alarm" updated'],
      ['StateUpdate', 'Alarm updated from INSUFFICIENT_DATA to OK'],
      ['ConfigurationUpdate', 'Alarm "Kinesis_Auto_Scale_Up_Alarm" created'],
    ]);
    const created0 = JSON.parse(history.AlarmHistoryItems[2]!.HistoryData as string);
    expect(created0).toMatchObject({
      version: '1.0',
      type: 'Create',
      createdAlarm: { Threshold: 0.4 },
    });
    const state = JSON.parse(history.AlarmHistoryItems[1]!.HistoryData as string);
    expect(state).toEqual({
      version: '1.0',
      oldState: {
        stateValue: 'INSUFFICIENT_DATA',
        stateReason: 'Unchecked: Initial alarm creation',
      },
      newState: { stateValue: 'OK', stateReason: 'reset' },
    });
  });

  it('filters and pages DescribeAlarms, deletes, tags', () => {
    const { model } = setup();
    for (const n of ['b-2', 'a-1', 'b-1']) model.putMetricAlarm(singleAlarm({ AlarmName: n }));
    model.putMetricAlarm(singleAlarm({ AlarmName: 'c', AlarmActions: [], OKActions: [] }));
    expect(
      model.describeAlarms({ AlarmNamePrefix: 'b-' }).MetricAlarms.map((a) => a.AlarmName),
    ).toEqual(['b-1', 'b-2']);
    expect(model.describeAlarms({ ActionPrefix: 'arn:aws:sns' }).MetricAlarms).toHaveLength(3);
    const first = model.describeAlarms({ MaxRecords: 3 });
    expect(first.MetricAlarms.map((a) => a.AlarmName)).toEqual(['a-1', 'b-1', 'b-2']);
    const second = model.describeAlarms({ MaxRecords: 3, NextToken: first.NextToken });
    expect(second.MetricAlarms.map((a) => a.AlarmName)).toEqual(['c']);
    expect(second.NextToken).toBeUndefined();
    expectAwsError(
      () => model.describeAlarms({ AlarmNames: ['a'], AlarmNamePrefix: 'a' }),
      'InvalidParameterCombination',
    );
    const arn = 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:c';
    model.tagResource({
      ResourceARN: arn,
      Tags: [
        { Key: 'k', Value: 'v' },
        { Key: 'j', Value: 'w' },
      ],
    });
    model.untagResource({ ResourceARN: arn, TagKeys: ['j'] });
    expect(model.listTagsForResource({ ResourceARN: arn }).Tags).toEqual([
      { Key: 'k', Value: 'v' },
    ]);
    expectAwsError(() => model.listTagsForResource({ ResourceARN: `${arn}x` }), 'ResourceNotFound');
    expectAwsError(() => model.deleteAlarms({ AlarmNames: ['nope'] }), 'ResourceNotFound');
    model.deleteAlarms({ AlarmNames: ['c', 'a-1'] });
    expect(model.describeAlarms({}).MetricAlarms.map((a) => a.AlarmName)).toEqual(['b-1', 'b-2']);
    expect(model.describeAlarmHistory({ AlarmName: 'unknown' }).AlarmHistoryItems).toEqual([]);
    expectAwsError(
      () => model.setAlarmState({ AlarmName: 'c', StateValue: 'OK', StateReason: 'x' }),
      'ResourceNotFound',
    );
  });
});

describe('alarm evaluation', () => {
  it('re-evaluates a long window when a datapoint lands inside it, not only when it moves', async () => {
    const { model, clock } = setup();
    // Five-minute periods: the window moves every five minutes, evaluation runs every minute.
    model.putMetricAlarm(
      singleAlarm({
        Period: 300,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 1,
        TreatMissingData: 'notBreaching',
      }),
    );
    await clock.advanceTo(T0 + 12 * MIN);
    expect(model.describeAlarms({}).MetricAlarms[0]!.StateValue).toBe('OK');
    // A late datapoint inside the current window (minutes 5-10) must be seen at the next minute.
    kinesis(model, 'IncomingRecords', 6, 500);
    await clock.advanceTo(T0 + 13 * MIN);
    expect(model.describeAlarms({}).MetricAlarms[0]!.StateValue).toBe('ALARM');
    // Data after the window leaves the verdict alone until the window moves over it.
    await model.setAlarmState({ AlarmName: 'records', StateValue: 'OK', StateReason: 'reset' });
    await clock.advanceTo(T0 + 14 * MIN);
    expect(model.describeAlarms({}).MetricAlarms[0]!.StateValue).toBe('ALARM');
  });

  it('sends the AWS-shaped notification for a metric-math alarm', async () => {
    const { model, clock, published } = setup('us-east-2');
    model.putMetricAlarm(baseAlarm());
    await model.setAlarmState({
      AlarmName: 'Kinesis_Auto_Scale_Up_Alarm',
      StateValue: 'OK',
      StateReason: 'reset',
    });
    // Minute 8 holds 0.43 of one shard's byte capacity.
    kinesis(model, 'IncomingBytes', 8, 0.4326267242431640625 * 1048576 * 60);
    kinesis(model, 'IncomingRecords', 8, 10);
    await clock.advanceTo(T0 + 10 * MIN); // the interval evaluates at every minute
    expect(published).toHaveLength(1);
    expect(published[0]!.topicArn).toBe(TOPIC);
    expect(published[0]!.subject).toBe('ALARM: "Kinesis_Auto_Scale_Up_Alarm" in US East (Ohio)');
    const expected = {
      AlarmName: 'Kinesis_Auto_Scale_Up_Alarm',
      AlarmDescription: 'Alarm to scale up Kinesis stream',
      AWSAccountId: '111111111111',
      AlarmConfigurationUpdatedTimestamp: '2026-01-01T00:00:00.000+0000',
      NewStateValue: 'ALARM',
      NewStateReason:
        'Threshold Crossed: 1 out of the last 1 datapoints [0.43262672424316406 (01/01/26 00:08:00)] was greater than or equal to the threshold (0.4) (minimum 1 datapoint for OK -> ALARM transition).',
      StateChangeTime: '2026-01-01T00:10:00.000+0000',
      Region: 'US East (Ohio)',
      AlarmArn: 'arn:aws:cloudwatch:us-east-2:111111111111:alarm:Kinesis_Auto_Scale_Up_Alarm',
      OldStateValue: 'OK',
      OKActions: [],
      AlarmActions: [TOPIC],
      InsufficientDataActions: [],
      Trigger: {
        Period: 60,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 0.4,
        TreatMissingData: 'ignore',
        EvaluateLowSampleCountPercentile: '',
        Metrics: [
          {
            Id: 'm1',
            Label: 'IncomingBytes',
            MetricStat: {
              Metric: {
                Dimensions: [{ value: STREAM, name: 'StreamName' }],
                MetricName: 'IncomingBytes',
                Namespace: 'AWS/Kinesis',
              },
              Period: 60,
              Stat: 'Sum',
            },
            ReturnData: false,
          },
          {
            Id: 'm2',
            Label: 'IncomingRecords',
            MetricStat: {
              Metric: {
                Dimensions: [{ value: STREAM, name: 'StreamName' }],
                MetricName: 'IncomingRecords',
                Namespace: 'AWS/Kinesis',
              },
              Period: 60,
              Stat: 'Sum',
            },
            ReturnData: false,
          },
          {
            Expression: 'FILL(m1,0)',
            Id: 'e1',
            Label: 'FillMissingDataPointsWithZeroForIncomingBytes',
            ReturnData: false,
          },
          {
            Expression: 'FILL(m2,0)',
            Id: 'e2',
            Label: 'FillMissingDataPointsWithZeroForIncomingRecords',
            ReturnData: false,
          },
          {
            Expression: 'e1/(1024*1024*60*1)',
            Id: 'e3',
            Label: 'IncomingBytesUsageFactor',
            ReturnData: false,
          },
          {
            Expression: 'e2/(1000*60*1)',
            Id: 'e4',
            Label: 'IncomingRecordsUsageFactor',
            ReturnData: false,
          },
          { Expression: 'MAX([e3,e4])', Id: 'e5', Label: 'ScalingTrigger', ReturnData: true },
        ],
      },
    };
    // Byte-for-byte, key order included: parsers in the wild index into this JSON.
    expect(published[0]!.message).toBe(JSON.stringify(expected));
    const [alarm] = model.describeAlarms({}).MetricAlarms;
    expect(alarm).toMatchObject({
      StateValue: 'ALARM',
      StateUpdatedTimestamp: new Date(T0 + 10 * MIN),
    });
    expect(JSON.parse(alarm!.StateReasonData as string)).toMatchObject({
      version: '1.0',
      period: 60,
      threshold: 0.4,
      recentDatapoints: [0.43262672424316406],
    });
    // Staying in ALARM sends nothing more.
    kinesis(model, 'IncomingBytes', 9, 0.9 * 1048576 * 60);
    await clock.advance(MIN);
    expect(published).toHaveLength(1);
  });

  it('builds the single-metric trigger', () => {
    const snapshot: AlarmSnapshot = {
      AlarmName: 'cpu',
      AlarmArn: 'arn:aws:cloudwatch:eu-west-1:1:alarm:cpu',
      AlarmConfigurationUpdatedTimestamp: T0,
      OKActions: [],
      AlarmActions: ['arn:aws:sns:eu-west-1:1:t'],
      InsufficientDataActions: [],
      MetricName: 'CPUUtilization',
      Namespace: 'AWS/EC2',
      Statistic: 'Average',
      Dimensions: [{ Name: 'InstanceId', Value: 'i-1' }],
      Period: 300,
      EvaluationPeriods: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 80,
    };
    const n = buildAlarmNotification(
      snapshot,
      { oldState: 'INSUFFICIENT_DATA', newState: 'OK', reason: 'r', time: T0 + 1234 },
      { region: 'eu-west-1', accountId: '1' },
    );
    expect(n.subject).toBe('OK: "cpu" in EU (Ireland)');
    const msg = JSON.parse(n.message);
    expect(msg.AlarmDescription).toBeNull();
    expect(msg.StateChangeTime).toBe('2026-01-01T00:00:01.234+0000');
    expect(msg.Trigger).toEqual({
      MetricName: 'CPUUtilization',
      Namespace: 'AWS/EC2',
      StatisticType: 'Statistic',
      Statistic: 'AVERAGE',
      Unit: null,
      Dimensions: [{ value: 'i-1', name: 'InstanceId' }],
      Period: 300,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 80,
      TreatMissingData: 'missing',
      EvaluateLowSampleCountPercentile: '',
    });
    expect([formatJavaDouble(5), formatJavaDouble(0.4), formatJavaDouble(12_500_000)]).toEqual([
      '5.0',
      '0.4',
      '1.25E7',
    ]);
  });

  it('applies M out of N', async () => {
    const { model, clock, published } = setup();
    // Created just before minute 10, so the first evaluation is at minute 10 (window 6, 7, 8).
    await clock.advanceTo(T0 + 9.5 * MIN);
    model.putMetricAlarm(singleAlarm());
    kinesis(model, 'IncomingRecords', 6, 150);
    kinesis(model, 'IncomingRecords', 7, 50);
    kinesis(model, 'IncomingRecords', 8, 50);
    await clock.advanceTo(T0 + 10 * MIN);
    expect(model.describeAlarms({}).MetricAlarms[0]).toMatchObject({
      StateValue: 'OK',
      StateReason:
        'Threshold Crossed: 2 out of the last 3 datapoints [50.0 (01/01/26 00:08:00), 50.0 (01/01/26 00:07:00)] were not greater than the threshold (100.0) (minimum 2 datapoints for ALARM -> OK transition).',
    });
    kinesis(model, 'IncomingRecords', 9, 101);
    await clock.advance(MIN); // window 7, 8, 9: one breach of two needed
    expect(model.describeAlarms({}).MetricAlarms[0]!.StateValue).toBe('OK');
    kinesis(model, 'IncomingRecords', 10, 500);
    await clock.advance(MIN); // window 8, 9, 10: two breaches
    const [alarm] = model.describeAlarms({}).MetricAlarms;
    expect(alarm!.StateValue).toBe('ALARM');
    expect(alarm!.StateReason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [500.0 (01/01/26 00:10:00), 101.0 (01/01/26 00:09:00)] were greater than the threshold (100.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
    expect(published.map((p) => JSON.parse(p.message).NewStateValue)).toEqual(['OK', 'ALARM']);
    expect(JSON.parse(published[1]!.message).Trigger.Statistic).toBe('SUM');
  });

  it.each([
    ['missing', 'INSUFFICIENT_DATA'],
    ['ignore', 'OK'],
    ['breaching', 'ALARM'],
    ['notBreaching', 'OK'],
  ] as const)(
    'with no data and TreatMissingData=%s goes from OK to %s',
    async (treat, expected) => {
      const { model } = setup();
      model.putMetricAlarm(singleAlarm({ TreatMissingData: treat }));
      await model.setAlarmState({ AlarmName: 'records', StateValue: 'OK', StateReason: 'start' });
      await model.evaluateAlarms();
      const [alarm] = model.describeAlarms({}).MetricAlarms;
      expect(alarm!.StateValue).toBe(expected);
      if (treat === 'missing')
        expect(alarm!.StateReason).toBe('Insufficient Data: 3 datapoints were unknown.');
      if (treat === 'breaching') {
        expect(alarm!.StateReason).toBe(
          'Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].',
        );
      }
    },
  );

  it.each([
    // Minutes 4..8, oldest first: '-' missing, 'X' breaching, '0' not breaching. 3 of 5, as in
    // the table of AWS's documentation on missing data.
    ['missing', '0-X-X', 'OK'],
    ['ignore', '0-X-X', 'OK'],
    ['breaching', '0-X-X', 'ALARM'],
    ['notBreaching', '0-X-X', 'OK'],
    ['missing', '--X--', 'ALARM'],
    ['ignore', '--X--', 'INSUFFICIENT_DATA'],
    ['breaching', '--X--', 'ALARM'],
    ['notBreaching', '--X--', 'OK'],
    ['missing', '0XX-X', 'ALARM'],
    ['notBreaching', '0XX-X', 'ALARM'],
  ] as const)(
    'TreatMissingData=%s with datapoints %s gives %s (3 of 5)',
    async (treat, pattern, expected) => {
      const { model, clock } = setup();
      await clock.advanceTo(T0 + 9.5 * MIN);
      model.putMetricAlarm(
        singleAlarm({ TreatMissingData: treat, EvaluationPeriods: 5, DatapointsToAlarm: 3 }),
      );
      [...pattern].forEach((c, i) => {
        if (c !== '-') kinesis(model, 'IncomingRecords', 4 + i, c === 'X' ? 1000 : 0);
      });
      await clock.advanceTo(T0 + 10 * MIN);
      expect(model.describeAlarms({}).MetricAlarms[0]!.StateValue).toBe(expected);
    },
  );

  it('runs SetAlarmState actions only on a change, and not when actions are disabled', async () => {
    const { model, published } = setup();
    model.putMetricAlarm(singleAlarm({ InsufficientDataActions: [TOPIC] }));
    await model.setAlarmState({ AlarmName: 'records', StateValue: 'ALARM', StateReason: 'test' });
    await model.setAlarmState({ AlarmName: 'records', StateValue: 'ALARM', StateReason: 'again' });
    expect(published).toHaveLength(1);
    const msg = JSON.parse(published[0]!.message);
    expect(msg).toMatchObject({
      NewStateValue: 'ALARM',
      NewStateReason: 'test',
      OldStateValue: 'INSUFFICIENT_DATA',
    });
    expect(published[0]!.subject).toBe('ALARM: "records" in US East (N. Virginia)');
    model.disableAlarmActions({ AlarmNames: ['records'] });
    await model.setAlarmState({ AlarmName: 'records', StateValue: 'OK', StateReason: 'quiet' });
    expect(published).toHaveLength(1);
    expect(model.describeAlarms({}).MetricAlarms[0]).toMatchObject({
      StateValue: 'OK',
      ActionsEnabled: false,
    });
    model.enableAlarmActions({ AlarmNames: ['records'] });
    await model.setAlarmState({
      AlarmName: 'records',
      StateValue: 'INSUFFICIENT_DATA',
      StateReason: 'reset',
    });
    expect(published).toHaveLength(2);
    const actions = model
      .describeAlarmHistory({ AlarmName: 'records', HistoryItemType: 'Action' })
      .AlarmHistoryItems.map((h) => h.HistorySummary);
    expect(actions).toEqual([
      `Successfully executed action ${TOPIC}`,
      `Successfully executed action ${TOPIC}`,
    ]);
  });

  it('records failed actions without breaking evaluation', async () => {
    const { model } = setup('us-east-1', { failPublish: true });
    model.putMetricAlarm(singleAlarm());
    await model.setAlarmState({ AlarmName: 'records', StateValue: 'ALARM', StateReason: 'x' });
    const [item] = model.describeAlarmHistory({ HistoryItemType: 'Action' }).AlarmHistoryItems;
    expect(item!.HistorySummary).toMatch(/^Failed to execute action .*topic does not exist/);
  });

  it('stops evaluating after dispose', async () => {
    const { model, clock } = setup();
    model.dispose();
    expect(clock.pendingTimers).toBe(0);
  });
});
