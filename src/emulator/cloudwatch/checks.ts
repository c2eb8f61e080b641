/**
 * Checks shared by the metric and alarm operations, with CloudWatch's error codes and wording.
 * CloudWatch's model gives ResourceNotFound HTTP 404 (its awsQueryError code); the rest are 400.
 */
import { AwsError } from '../protocol/errors.js';
import { checkStatistic } from './metric-store.js';
import type { ApiDimension, MetricDataQuery } from './schemas.js';

export const err = (code: string, message: string): AwsError =>
  new AwsError(code, message, code === 'ResourceNotFound' ? 404 : 400);

/** Alarms accept 10, 20, 30 or a multiple of 60 seconds. */
export function checkAlarmPeriod(period: number, param: string): void {
  if (!(period === 10 || period === 20 || period === 30 || (period >= 60 && period % 60 === 0))) {
    throw err(
      'ValidationError',
      `The parameter ${param} must be 10, 20, 30 or a multiple of 60 (got ${period}).`,
    );
  }
}

/** Queries also accept the high-resolution periods 1 and 5. */
export function checkQueryPeriod(period: number, param: string): void {
  if (!([1, 5, 10, 20, 30].includes(period) || (period >= 60 && period % 60 === 0))) {
    throw err(
      'InvalidParameterValue',
      `The parameter ${param} must be 1, 5, 10, 20, 30 or a multiple of 60 (got ${period}).`,
    );
  }
}

export function checkDimensions(
  dims: { name: string; value: string }[],
  where: string,
): { name: string; value: string }[] {
  if (dims.length > 30) {
    throw err(
      'InvalidParameterValue',
      `The collection ${where} must not have more than 30 members.`,
    );
  }
  const names = new Set<string>();
  for (const d of dims) {
    if (names.has(d.name)) {
      throw err(
        'InvalidParameterValue',
        `The collection ${where} must not contain duplicate dimension names (${d.name}).`,
      );
    }
    names.add(d.name);
  }
  return dims;
}

/** An alarm's queries take alarm periods; GetMetricData's also take high-resolution ones. */
export function checkQuery(q: MetricDataQuery, where: string, forAlarm: boolean): void {
  const checkPeriod = forAlarm ? checkAlarmPeriod : checkQueryPeriod;
  if (q.MetricStat) {
    checkStatistic(q.MetricStat.Stat, `${where}.MetricStat.Stat`);
    checkPeriod(q.MetricStat.Period, `${where}.MetricStat.Period`);
    checkDimensions(
      toDims(q.MetricStat.Metric.Dimensions ?? []),
      `${where}.MetricStat.Metric.Dimensions`,
    );
  }
  if (q.Period !== undefined) checkPeriod(q.Period, `${where}.Period`);
}

export const toDims = (
  dims: ApiDimension[] | { Name: string; Value?: string }[],
): { name: string; value: string }[] => dims.map((d) => ({ name: d.Name, value: d.Value ?? '' }));

export const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Pagination tokens: opaque to clients, and tied to the operation that issued them. */
export function encodeToken(kind: string, offset: number): string {
  return Buffer.from(JSON.stringify({ k: kind, o: offset })).toString('base64');
}

export function decodeToken(token: string, kind: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {
      k?: unknown;
      o?: unknown;
    };
    if (parsed.k === kind && typeof parsed.o === 'number' && parsed.o >= 0) return parsed.o;
  } catch {
    // fall through to the error below
  }
  throw err('InvalidNextToken', 'The service cannot parse the NextToken.');
}
