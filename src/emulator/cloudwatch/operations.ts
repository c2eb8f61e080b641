/**
 * The CloudWatch operations both wire protocols serve: each validates its input with the shared
 * schemas and calls the model. Results use `Date` for timestamps; each protocol renders them.
 */
import type { CloudWatchModel } from './model.js';
import {
  alarmNamesSchema,
  describeAlarmHistorySchema,
  describeAlarmsForMetricSchema,
  describeAlarmsSchema,
  getMetricDataSchema,
  getMetricStatisticsSchema,
  listMetricsSchema,
  listTagsSchema,
  parseRequest,
  putMetricAlarmSchema,
  putMetricDataSchema,
  setAlarmStateSchema,
  tagResourceSchema,
  untagResourceSchema,
} from './schemas.js';

export type OperationResult = Record<string, unknown> | undefined | void;
export type Operation = (model: CloudWatchModel, input: unknown) => OperationResult;

export const CLOUDWATCH_OPERATIONS: Record<string, Operation> = {
  PutMetricData: (m, i) => m.putMetricData(parseRequest(putMetricDataSchema, i)),
  GetMetricStatistics: (m, i) => m.getMetricStatistics(parseRequest(getMetricStatisticsSchema, i)),
  GetMetricData: (m, i) => m.getMetricData(parseRequest(getMetricDataSchema, i)),
  ListMetrics: (m, i) => m.listMetrics(parseRequest(listMetricsSchema, i)),
  PutMetricAlarm: (m, i) => m.putMetricAlarm(parseRequest(putMetricAlarmSchema, i)),
  DescribeAlarms: (m, i) => m.describeAlarms(parseRequest(describeAlarmsSchema, i)),
  DescribeAlarmsForMetric: (m, i) =>
    m.describeAlarmsForMetric(parseRequest(describeAlarmsForMetricSchema, i)),
  DeleteAlarms: (m, i) => m.deleteAlarms(parseRequest(alarmNamesSchema, i)),
  EnableAlarmActions: (m, i) => m.enableAlarmActions(parseRequest(alarmNamesSchema, i)),
  DisableAlarmActions: (m, i) => m.disableAlarmActions(parseRequest(alarmNamesSchema, i)),
  SetAlarmState: (m, i) => {
    // AWS answers at once and runs the actions afterwards; the model tracks them on the clock.
    void m.setAlarmState(parseRequest(setAlarmStateSchema, i));
    return undefined;
  },
  DescribeAlarmHistory: (m, i) =>
    m.describeAlarmHistory(parseRequest(describeAlarmHistorySchema, i)),
  TagResource: (m, i) => m.tagResource(parseRequest(tagResourceSchema, i)),
  UntagResource: (m, i) => m.untagResource(parseRequest(untagResourceSchema, i)),
  ListTagsForResource: (m, i) => m.listTagsForResource(parseRequest(listTagsSchema, i)),
};

export const hasOperation = (name: string): boolean =>
  Object.prototype.hasOwnProperty.call(CLOUDWATCH_OPERATIONS, name);
