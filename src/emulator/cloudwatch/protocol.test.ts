import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  ListTagsForResourceCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../aws/clients.js';
import { ManualClock } from '../clock.js';
import { EdgeServer } from '../server.js';
import { CloudWatchModel } from './model.js';
import { CloudWatchJsonEndpoint } from './protocol-json.js';
import { CloudWatchQueryEndpoint } from './protocol-query.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const STREAM = 'orders';
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:scale';

const clock = new ManualClock(T0);
const published: { topicArn: string; subject?: string; message: string }[] = [];
const models = new Map<string, CloudWatchModel>();
const resolve = (region: string) => {
  let m = models.get(region);
  if (!m) {
    m = new CloudWatchModel({
      clock,
      region,
      accountId: '000000000000',
      publisher: {
        publish: (input) => {
          published.push(input);
          return Promise.resolve({ messageId: String(published.length) });
        },
      },
    });
    models.set(region, m);
  }
  return m;
};
const server = new EdgeServer({
  endpoints: [new CloudWatchJsonEndpoint(resolve), new CloudWatchQueryEndpoint(resolve)],
  defaultRegion: 'us-east-1',
  accountId: '000000000000',
});
let url = '';
let cw: CloudWatchClient;

beforeAll(async () => {
  url = (await server.listen(0)).url;
  cw = new CloudWatchClient(clientConfig({ endpoint: url, region: 'us-east-1' }, {}));
});
afterAll(async () => {
  cw.destroy();
  for (const m of models.values()) m.dispose();
  await server.close();
});

const dims = [{ Name: 'StreamName', Value: STREAM }];
const stat = (id: string, metricName: string, label: string): MetricDataQuery => ({
  Id: id,
  Label: label,
  MetricStat: {
    Metric: { Namespace: 'AWS/Kinesis', MetricName: metricName, Dimensions: dims },
    Period: 60,
    Stat: 'Sum',
  },
  ReturnData: false,
});
const expr = (id: string, expression: string, returnData = false): MetricDataQuery => ({
  Id: id,
  Expression: expression,
  ReturnData: returnData,
});
const autoscalerQueries = (shards: number): MetricDataQuery[] => [
  stat('m1', 'IncomingBytes', 'IncomingBytes'),
  stat('m2', 'IncomingRecords', 'IncomingRecords'),
  expr('shardCount', String(shards)),
  expr('e1', 'FILL(m1,0)'),
  expr('e2', 'FILL(m2,0)'),
  expr('e3', 'e1/(1048576*60*shardCount)'),
  expr('e4', 'e2/(1000*60*shardCount)'),
  expr('e5', 'MAX([e3,e4])', true),
];

describe('awsJson1_0 through @aws-sdk/client-cloudwatch', () => {
  it('puts metrics and evaluates the autoscaler math with GetMetricData', async () => {
    // Clients may not publish AWS/ namespaces, so the stream's metrics come in as Kinesis would.
    const kinesis = resolve('us-east-1');
    const put = (name: string, minute: number, sum: number) =>
      kinesis.putMetric({
        namespace: 'AWS/Kinesis',
        metricName: name,
        dimensions: [{ name: 'StreamName', value: STREAM }],
        timestamp: T0 + minute * MIN,
        sum,
        sampleCount: 1,
        min: sum,
        max: sum,
      });
    put('IncomingBytes', 0, 0.5 * 4 * 1048576 * 60);
    put('IncomingRecords', 0, 100);
    put('IncomingRecords', 1, 0.25 * 4 * 1000 * 60);
    const out = await cw.send(
      new GetMetricDataCommand({
        MetricDataQueries: autoscalerQueries(4),
        StartTime: new Date(T0),
        EndTime: new Date(T0 + 3 * MIN),
        ScanBy: 'TimestampAscending',
      }),
    );
    expect(out.MetricDataResults).toEqual([
      {
        Id: 'e5',
        Label: 'e5',
        Timestamps: [new Date(T0), new Date(T0 + MIN), new Date(T0 + 2 * MIN)],
        Values: [0.5, 0.25, 0],
        StatusCode: 'Complete',
        Messages: [],
      },
    ]);

    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'Custom/App',
        MetricData: [
          {
            MetricName: 'Lag',
            Dimensions: dims,
            Value: 4,
            Unit: 'Seconds',
            Timestamp: new Date(T0),
          },
          {
            MetricName: 'Lag',
            Dimensions: dims,
            Value: 6,
            Unit: 'Seconds',
            Timestamp: new Date(T0),
          },
        ],
      }),
    );
    const stats = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Custom/App',
        MetricName: 'Lag',
        Dimensions: dims,
        StartTime: new Date(T0),
        EndTime: new Date(T0 + MIN),
        Period: 60,
        Statistics: ['Average', 'Maximum'],
      }),
    );
    expect(stats.Datapoints).toEqual([
      { Timestamp: new Date(T0), Average: 5, Maximum: 6, Unit: 'Seconds' },
    ]);
    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'Custom/App' }));
    expect(listed.Metrics).toEqual([
      { Namespace: 'Custom/App', MetricName: 'Lag', Dimensions: dims },
    ]);
  });

  it('round-trips every alarm field and runs SetAlarmState actions', async () => {
    const input = {
      AlarmName: 'orders-scale-up',
      AlarmDescription: 'Scale up orders',
      ActionsEnabled: true,
      OKActions: [TOPIC],
      AlarmActions: [TOPIC],
      InsufficientDataActions: [],
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      Threshold: 0.75,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold' as const,
      TreatMissingData: 'ignore',
      Metrics: autoscalerQueries(4),
      Tags: [{ Key: 'stream', Value: STREAM }],
    };
    await cw.send(new PutMetricAlarmCommand(input));
    const { MetricAlarms, CompositeAlarms } = await cw.send(
      new DescribeAlarmsCommand({ AlarmNames: ['orders-scale-up'] }),
    );
    expect(CompositeAlarms).toEqual([]);
    const { Tags: _tags, ...stored } = input;
    expect(MetricAlarms).toEqual([
      {
        ...stored,
        AlarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:orders-scale-up',
        AlarmConfigurationUpdatedTimestamp: new Date(T0),
        StateValue: 'INSUFFICIENT_DATA',
        StateReason: 'Unchecked: Initial alarm creation',
        StateUpdatedTimestamp: new Date(T0),
        StateTransitionedTimestamp: new Date(T0),
      },
    ]);
    const tags = await cw.send(
      new ListTagsForResourceCommand({ ResourceARN: MetricAlarms![0]!.AlarmArn }),
    );
    expect(tags.Tags).toEqual([{ Key: 'stream', Value: STREAM }]);

    await cw.send(
      new SetAlarmStateCommand({
        AlarmName: 'orders-scale-up',
        StateValue: 'ALARM',
        StateReason: 'testing the scaler',
      }),
    );
    await clock.settle();
    expect(published).toHaveLength(1);
    expect(published[0]!.subject).toBe('ALARM: "orders-scale-up" in US East (N. Virginia)');
    const message = JSON.parse(published[0]!.message);
    expect(message).toMatchObject({
      NewStateValue: 'ALARM',
      NewStateReason: 'testing the scaler',
      OldStateValue: 'INSUFFICIENT_DATA',
    });
    expect(message.Trigger.Metrics[0].MetricStat.Metric.Dimensions).toEqual([
      { value: STREAM, name: 'StreamName' },
    ]);
    const history = await cw.send(
      new DescribeAlarmHistoryCommand({
        AlarmName: 'orders-scale-up',
        HistoryItemType: 'StateUpdate',
      }),
    );
    expect(history.AlarmHistoryItems?.[0]).toMatchObject({
      AlarmName: 'orders-scale-up',
      HistorySummary: 'Alarm updated from INSUFFICIENT_DATA to ALARM',
      Timestamp: new Date(T0),
    });
  });

  it('surfaces errors by name', async () => {
    const err = (p: Promise<unknown>) =>
      p.then(
        () => {
          throw new Error('expected an error');
        },
        (e: {
          name: string;
          Code?: string;
          message: string;
          $metadata: { httpStatusCode?: number };
        }) => e,
      );
    const notFound = await err(
      cw.send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' })),
    );
    expect(notFound.name).toBe('ResourceNotFound');
    expect(notFound.$metadata.httpStatusCode).toBe(404);

    const badNamespace = await err(
      cw.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/Kinesis',
          MetricData: [{ MetricName: 'x', Value: 1 }],
        }),
      ),
    );
    // The SDK names the modeled exception class; `Code` carries CloudWatch's query error code.
    expect(badNamespace.name).toBe('InvalidParameterValueException');
    expect(badNamespace.Code).toBe('InvalidParameterValue');

    const combo = await err(
      cw.send(
        new PutMetricAlarmCommand({
          AlarmName: 'bad',
          MetricName: 'IncomingBytes',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanThreshold',
          Metrics: autoscalerQueries(1),
        }),
      ),
    );
    expect(combo.name).toBe('InvalidParameterCombinationException');
    expect(combo.Code).toBe('InvalidParameterCombination');

    const badMath = await err(
      cw.send(
        new GetMetricDataCommand({
          MetricDataQueries: [expr('e1', 'ANOMALY_DETECTION_BAND(m1)', true)],
          StartTime: new Date(T0),
          EndTime: new Date(T0 + MIN),
        }),
      ),
    );
    expect(badMath.Code).toBe('ValidationError');
    expect(badMath.message).toMatch(/ANOMALY_DETECTION_BAND/);

    const missing = await err(cw.send(new DeleteAlarmsCommand({ AlarmNames: ['ghost'] })));
    expect(missing.name).toBe('ResourceNotFound');

    const unknown = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.PutDashboard',
      },
      body: '{}',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('x-amzn-query-error')).toBe('UnknownOperationException;Sender');
  });
});

describe('Query protocol (AWS CLI v2, boto3)', () => {
  const parser = new XMLParser({ ignoreAttributes: false });
  const post = async (params: Record<string, string>, signed = true) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        ...(signed
          ? {
              authorization:
                'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0',
            }
          : {}),
      },
      body: new URLSearchParams({ Version: '2010-08-01', ...params }).toString(),
    });
    // Parsed XML has no static shape; the assertions below are what check it.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, xml: parser.parse(await res.text()) as Record<string, any> };
  };

  it('creates a math alarm from nested form parameters and describes it as XML', async () => {
    const m = (n: number, key: string, value: string) => [`Metrics.member.${n}.${key}`, value];
    const params = Object.fromEntries([
      ['Action', 'PutMetricAlarm'],
      ['AlarmName', 'cli-alarm'],
      ['EvaluationPeriods', '2'],
      ['Threshold', '0.5'],
      ['ComparisonOperator', 'LessThanThreshold'],
      ['AlarmActions.member.1', TOPIC],
      m(1, 'Id', 'm1'),
      m(1, 'MetricStat.Metric.Namespace', 'AWS/Kinesis'),
      m(1, 'MetricStat.Metric.MetricName', 'IncomingBytes'),
      m(1, 'MetricStat.Metric.Dimensions.member.1.Name', 'StreamName'),
      m(1, 'MetricStat.Metric.Dimensions.member.1.Value', STREAM),
      m(1, 'MetricStat.Period', '300'),
      m(1, 'MetricStat.Stat', 'Sum'),
      m(1, 'ReturnData', 'false'),
      m(2, 'Id', 'e1'),
      m(2, 'Expression', 'FILL(m1, 0) / 300'),
      m(2, 'Label', 'bytes per second'),
      m(2, 'ReturnData', 'true'),
    ]);
    const put = await post(params);
    expect(put.status).toBe(200);
    expect(put.xml.PutMetricAlarmResponse.ResponseMetadata.RequestId).toBeTruthy();

    const described = await post({ Action: 'DescribeAlarms', AlarmNamePrefix: 'cli-' }, false);
    expect(described.status).toBe(200);
    const response = described.xml.DescribeAlarmsResponse;
    expect(response['@_xmlns']).toBe('http://monitoring.amazonaws.com/doc/2010-08-01/');
    const alarm = response.DescribeAlarmsResult.MetricAlarms.member;
    expect(alarm).toMatchObject({
      AlarmName: 'cli-alarm',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:cli-alarm',
      StateValue: 'INSUFFICIENT_DATA',
      ActionsEnabled: true,
      EvaluationPeriods: 2,
      Threshold: 0.5,
      AlarmActions: { member: TOPIC },
      AlarmConfigurationUpdatedTimestamp: '2026-01-01T00:00:00.000Z',
    });
    const [q1, q2] = alarm.Metrics.member;
    expect(q1).toEqual({
      Id: 'm1',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Kinesis',
          MetricName: 'IncomingBytes',
          Dimensions: { member: { Name: 'StreamName', Value: STREAM } },
        },
        Period: 300,
        Stat: 'Sum',
      },
      ReturnData: false,
    });
    expect(q2).toEqual({
      Id: 'e1',
      Expression: 'FILL(m1, 0) / 300',
      Label: 'bytes per second',
      ReturnData: true,
    });
  });

  it('answers GetMetricData with ISO timestamps and member lists', async () => {
    const out = await post({
      Action: 'GetMetricData',
      StartTime: '2026-01-01T00:00:00Z',
      EndTime: '2026-01-01T00:02:00Z',
      ScanBy: 'TimestampAscending',
      'MetricDataQueries.member.1.Id': 'c',
      'MetricDataQueries.member.1.Expression': '3 * 2',
    });
    expect(out.status).toBe(200);
    expect(
      out.xml.GetMetricDataResponse.GetMetricDataResult.MetricDataResults.member,
    ).toMatchObject({
      Id: 'c',
      Timestamps: { member: ['2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z'] },
      Values: { member: [6, 6] },
      StatusCode: 'Complete',
    });
  });

  it('reports errors as ErrorResponse', async () => {
    const bad = await post({
      Action: 'PutMetricAlarm',
      AlarmName: 'bad',
      MetricName: 'x',
      Namespace: 'App',
      Statistic: 'Sum',
      Period: '45',
      EvaluationPeriods: '1',
      Threshold: '1',
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(bad.status).toBe(400);
    expect(bad.xml.ErrorResponse.Error).toMatchObject({ Type: 'Sender', Code: 'ValidationError' });
    expect(bad.xml.ErrorResponse.Error.Message).toMatch(/multiple of 60/);
    expect(bad.xml.ErrorResponse.RequestId).toBeTruthy();

    const unknown = await post({ Action: 'PutDashboard' });
    expect(unknown.status).toBe(400);
    expect(unknown.xml.ErrorResponse.Error.Code).toBe('InvalidAction');

    const missing = await post({ Action: 'SetAlarmState', AlarmName: 'ghost', StateValue: 'OK' });
    expect(missing.xml.ErrorResponse.Error).toMatchObject({
      Code: 'ValidationError',
      Message:
        "1 validation error detected: Value null at 'stateReason' failed to satisfy constraint: Member must not be null",
    });
  });
});
