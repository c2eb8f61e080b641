/**
 * The metric-math engine behind GetMetricData and math alarms. Expressions are parsed with jsep and
 * checked once up front (functions, operators, references, cycles), so PutMetricAlarm rejects a bad
 * expression at once, as AWS does, rather than at the first evaluation.
 */
import jsep from 'jsep';
import { errorMessage } from '../../aws/errors.js';
import { AwsError } from '../protocol/errors.js';
import { gridTimestamps } from './metric-store.js';
import type { MetricDataQuery, MetricStat } from './schemas.js';

export type MathValue =
  | { kind: 'scalar'; value: number }
  | { kind: 'series'; points: Map<number, number> }
  | { kind: 'array'; items: MathValue[] };

/** Returns the values of one metric statistic keyed by period start (epoch ms). */
export type MetricFetcher = (
  stat: MetricStat,
  startMs: number,
  endMs: number,
  periodMs: number,
) => Map<number, number>;

export interface Series {
  timestamps: number[];
  values: number[];
}

const ID_PATTERN = /^[a-z][a-zA-Z0-9_]*$/;
const ARRAY_FUNCTIONS = new Set(['MAX', 'MIN', 'SUM', 'AVG']);
const UNARY_FUNCTIONS = new Set(['ABS', 'CEIL', 'FLOOR']);
const FILL_MODES = new Set(['REPEAT', 'LINEAR']);

/** FILL's second argument when it names a mode (REPEAT, LINEAR) rather than giving a value. */
function fillMode(node: jsep.Expression): 'REPEAT' | 'LINEAR' | undefined {
  if (node.type !== 'Identifier') return undefined;
  const name = (node as jsep.Identifier).name.toUpperCase();
  return FILL_MODES.has(name) ? (name as 'REPEAT' | 'LINEAR') : undefined;
}
const OPERATORS = new Set(['+', '-', '*', '/', '^']);
/** Comparisons and logic give 1 (true) or 0 (false) per datapoint, as IF's conditions. */
const COMPARISONS = new Set(['==', '!=', '<', '>', '<=', '>=']);
// CloudWatch spells logic both ways: AND / &&, OR / ||, NOT / !. Ids start with a lower-case
// letter, so the upper-case words cannot collide with one.
jsep.addBinaryOp('AND', 2);
jsep.addBinaryOp('OR', 1);
jsep.addUnaryOp('NOT');
// ^ is exponentiation (jsep reads it as a bitwise XOR below comparisons).
jsep.addBinaryOp('^', 11, true);
const LOGICAL: Record<string, '&&' | '||'> = { '&&': '&&', AND: '&&', '||': '||', OR: '||' };

const invalid = (message: string) => new AwsError('ValidationError', message);

export class MetricMath {
  private readonly byId = new Map<string, MetricDataQuery>();
  private readonly asts = new Map<string, jsep.Expression>();
  /** The period of an expression that states none: the shortest period of the metrics queried. */
  readonly defaultPeriod: number;

  /** Validates the queries; throws `ValidationError` naming the query and the problem. */
  constructor(
    readonly queries: MetricDataQuery[],
    param = 'MetricDataQueries',
  ) {
    queries.forEach((q, i) => {
      const where = `${param}.member.${i + 1}`;
      if (!ID_PATTERN.test(q.Id)) {
        throw invalid(
          `The value ${q.Id} for parameter ${where}.Id is invalid: an Id must start with a lower-case letter and contain only letters, numbers and underscores.`,
        );
      }
      if (this.byId.has(q.Id)) {
        throw invalid(`The values for parameter Id in ${param} are not unique: ${q.Id}.`);
      }
      this.byId.set(q.Id, q);
      if ((q.MetricStat === undefined) === (q.Expression === undefined)) {
        throw invalid(
          `Query ${q.Id} (${where}) must have exactly one of MetricStat and Expression.`,
        );
      }
      if (q.MetricStat) {
        const m = q.MetricStat.Metric;
        if (!m.Namespace || !m.MetricName) {
          throw invalid(`Query ${q.Id}: MetricStat.Metric needs both Namespace and MetricName.`);
        }
      }
    });
    const periods = queries.flatMap((q) => (q.MetricStat ? [q.MetricStat.Period] : []));
    this.defaultPeriod = periods.length > 0 ? Math.min(...periods) : 60;

    const refs = new Map<string, Set<string>>();
    for (const q of queries) {
      if (q.Expression === undefined) continue;
      let ast: jsep.Expression;
      try {
        ast = jsep(q.Expression);
      } catch (err) {
        throw invalid(
          `Error in expression ${q.Id} '${q.Expression}': syntax error: ${errorMessage(err)}`,
        );
      }
      const found = new Set<string>();
      this.check(ast, q, found);
      this.asts.set(q.Id, ast);
      refs.set(q.Id, found);
    }
    this.checkCycles(refs);
    this.pointwise = [...this.asts.values()].every(isPointwise);
  }

  /**
   * True when every expression's value at a timestamp depends only on its inputs at that
   * timestamp: no FILL by REPEAT or LINEAR (neighbours) and no MAX/MIN/SUM/AVG of a whole series.
   * A pointwise query over a sub-range gives the same values as over a longer range.
   */
  readonly pointwise: boolean;

  has(id: string): boolean {
    return this.byId.has(id);
  }

  periodOf(id: string): number {
    const q = this.byId.get(id);
    if (!q) throw invalid(`Unknown query id ${id}.`);
    return q.MetricStat?.Period ?? q.Period ?? this.defaultPeriod;
  }

  /** Evaluates queries over [startMs, endMs); one call shares the results of common references. */
  evaluator(startMs: number, endMs: number, fetch: MetricFetcher): (id: string) => Series {
    const cache = new Map<string, MathValue>();
    const valueOf = (id: string): MathValue => {
      const cached = cache.get(id);
      if (cached) return cached;
      const q = this.byId.get(id)!;
      const periodMs = this.periodOf(id) * 1000;
      let value: MathValue;
      if (q.MetricStat) {
        value = { kind: 'series', points: fetch(q.MetricStat, startMs, endMs, periodMs) };
      } else {
        const grid = gridTimestamps(startMs, endMs, periodMs);
        value = this.evalNode(this.asts.get(id)!, { grid, valueOf });
      }
      cache.set(id, value);
      return value;
    };
    return (id) => {
      const value = valueOf(id);
      const periodMs = this.periodOf(id) * 1000;
      if (value.kind === 'scalar') {
        const timestamps = Number.isFinite(value.value)
          ? gridTimestamps(startMs, endMs, periodMs)
          : [];
        return { timestamps, values: timestamps.map(() => value.value) };
      }
      if (value.kind === 'array') throw invalid(`Query ${id} evaluates to an array.`);
      const timestamps = [...value.points.keys()].sort((a, b) => a - b);
      return { timestamps, values: timestamps.map((t) => value.points.get(t)!) };
    };
  }

  private check(node: jsep.Expression, q: MetricDataQuery, refs: Set<string>): void {
    const fail = (what: string) =>
      invalid(`Error in expression ${q.Id} '${q.Expression ?? ''}': ${what}`);
    switch (node.type) {
      case 'Literal': {
        if (typeof (node as jsep.Literal).value !== 'number') {
          throw fail(`unsupported literal ${(node as jsep.Literal).raw}`);
        }
        return;
      }
      case 'Identifier': {
        const name = (node as jsep.Identifier).name;
        if (!this.byId.has(name)) {
          throw fail(`unknown metric or expression id '${name}'`);
        }
        if (name === q.Id) throw fail(`the expression refers to its own id '${name}'`);
        refs.add(name);
        return;
      }
      case 'BinaryExpression': {
        const b = node as jsep.BinaryExpression;
        if (!OPERATORS.has(b.operator) && !COMPARISONS.has(b.operator) && !LOGICAL[b.operator]) {
          throw fail(`unsupported operator '${b.operator}'`);
        }
        this.check(b.left, q, refs);
        this.check(b.right, q, refs);
        return;
      }
      case 'UnaryExpression': {
        const u = node as jsep.UnaryExpression;
        if (!['-', '+', '!', 'NOT'].includes(u.operator)) {
          throw fail(`unsupported operator '${u.operator}'`);
        }
        this.check(u.argument, q, refs);
        return;
      }
      case 'CallExpression': {
        const c = node as jsep.CallExpression;
        if (c.callee.type !== 'Identifier') throw fail('unsupported call syntax');
        const name = (c.callee as jsep.Identifier).name.toUpperCase();
        const args = c.arguments;
        if (name === 'FILL') {
          if (args.length !== 2) throw fail('FILL takes two arguments: FILL(series, value)');
          this.check(args[0]!, q, refs);
          const mode = args[1]!;
          if (!fillMode(mode)) this.check(mode, q, refs);
          return;
        }
        if (ARRAY_FUNCTIONS.has(name)) {
          if (args.length !== 1) throw fail(`${name} takes one argument: an array or a series`);
          const arg = args[0]!;
          if (arg.type === 'ArrayExpression') {
            const elements = (arg as jsep.ArrayExpression).elements;
            if (elements.length === 0) throw fail(`${name} of an empty array`);
            for (const e of elements) {
              if (e === null) throw fail('empty element in array');
              this.check(e, q, refs);
            }
          } else {
            this.check(arg, q, refs);
          }
          return;
        }
        if (UNARY_FUNCTIONS.has(name)) {
          if (args.length !== 1) throw fail(`${name} takes one argument`);
          this.check(args[0]!, q, refs);
          return;
        }
        if (name === 'IF') {
          if (args.length !== 2 && args.length !== 3) {
            throw fail('IF takes two or three arguments: IF(condition, trueValue[, falseValue])');
          }
          for (const a of args) this.check(a, q, refs);
          return;
        }
        throw fail(`unsupported function ${(c.callee as jsep.Identifier).name}`);
      }
      case 'ArrayExpression':
        throw fail('an array is only supported as the argument of MAX, MIN, SUM or AVG');
      default:
        throw fail(`unsupported syntax (${node.type})`);
    }
  }

  private checkCycles(refs: Map<string, Set<string>>): void {
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (id: string, path: string[]) => {
      if (state.get(id) === 'done') return;
      if (state.get(id) === 'visiting') {
        const cycle = [...path.slice(path.indexOf(id)), id].join(' -> ');
        throw invalid(`Circular reference between metric math expressions: ${cycle}`);
      }
      state.set(id, 'visiting');
      for (const r of refs.get(id) ?? []) visit(r, [...path, id]);
      state.set(id, 'done');
    };
    for (const id of refs.keys()) visit(id, []);
  }

  private evalNode(
    node: jsep.Expression,
    ctx: { grid: number[]; valueOf: (id: string) => MathValue },
  ): MathValue {
    switch (node.type) {
      case 'Literal':
        return { kind: 'scalar', value: (node as jsep.Literal).value as number };
      case 'Identifier':
        return ctx.valueOf((node as jsep.Identifier).name);
      case 'UnaryExpression': {
        const u = node as jsep.UnaryExpression;
        const v = this.evalNode(u.argument, ctx);
        if (u.operator === '-') return mapValue(v, (x) => -x);
        return u.operator === '+' ? v : mapValue(v, (x) => (x === 0 ? 1 : 0));
      }
      case 'BinaryExpression': {
        const b = node as jsep.BinaryExpression;
        const op = ARITHMETIC[LOGICAL[b.operator] ?? b.operator]!;
        return combine(this.evalNode(b.left, ctx), this.evalNode(b.right, ctx), op);
      }
      case 'CallExpression': {
        const c = node as jsep.CallExpression;
        const name = (c.callee as jsep.Identifier).name.toUpperCase();
        const args = c.arguments;
        if (name === 'FILL') {
          const mode = args[1]!;
          const how = fillMode(mode) ?? this.evalNode(mode, ctx);
          return fill(this.evalNode(args[0]!, ctx), how, ctx.grid);
        }
        if (ARRAY_FUNCTIONS.has(name)) {
          const arg = args[0]!;
          const reduce = REDUCERS[name]!;
          if (arg.type === 'ArrayExpression') {
            const items = (arg as jsep.ArrayExpression).elements.map((e) => this.evalNode(e!, ctx));
            return reduceArray(items, reduce);
          }
          const v = this.evalNode(arg, ctx);
          if (v.kind === 'series') return { kind: 'scalar', value: reduce([...v.points.values()]) };
          return v;
        }
        if (name === 'IF') {
          const [cond, yes, no] = args.map((a) => this.evalNode(a, ctx));
          return choose(cond!, yes!, no);
        }
        const fn = name === 'ABS' ? Math.abs : name === 'CEIL' ? Math.ceil : Math.floor;
        return mapValue(this.evalNode(args[0]!, ctx), fn);
      }
      default:
        throw invalid(`unsupported syntax (${node.type})`);
    }
  }
}

function isPointwise(node: jsep.Expression): boolean {
  switch (node.type) {
    case 'Literal':
    case 'Identifier':
      return true;
    case 'UnaryExpression':
      return isPointwise((node as jsep.UnaryExpression).argument);
    case 'BinaryExpression': {
      const b = node as jsep.BinaryExpression;
      return isPointwise(b.left) && isPointwise(b.right);
    }
    case 'ArrayExpression':
      return (node as jsep.ArrayExpression).elements.every((e) => e !== null && isPointwise(e));
    case 'CallExpression': {
      const c = node as jsep.CallExpression;
      const name = (c.callee as jsep.Identifier).name.toUpperCase();
      const args = c.arguments;
      if (name === 'FILL') {
        // A named mode reads neighbouring periods, so the result is not pointwise.
        const mode = args[1]!;
        return !fillMode(mode) && isPointwise(args[0]!) && isPointwise(mode);
      }
      if (ARRAY_FUNCTIONS.has(name) && args[0]!.type !== 'ArrayExpression') return false;
      return args.every(isPointwise);
    }
    default:
      return false;
  }
}

const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '^': (a, b) => a ** b,
  '==': (a, b) => Number(a === b),
  '!=': (a, b) => Number(a !== b),
  '<': (a, b) => Number(a < b),
  '>': (a, b) => Number(a > b),
  '<=': (a, b) => Number(a <= b),
  '>=': (a, b) => Number(a >= b),
  '&&': (a, b) => Number(a !== 0 && b !== 0),
  '||': (a, b) => Number(a !== 0 || b !== 0),
};

/**
 * IF(condition, trueValue[, falseValue]), datapoint by datapoint: a non-zero condition takes the
 * true value at that timestamp, zero the false value; without a false value, or where the chosen
 * side has no datapoint, the result has none.
 */
function choose(cond: MathValue, yes: MathValue, no: MathValue | undefined): MathValue {
  if (cond.kind === 'array' || yes.kind === 'array' || no?.kind === 'array') {
    throw invalid('IF of an array is not supported');
  }
  const at = (v: MathValue | undefined, t: number): number | undefined =>
    v === undefined ? undefined : v.kind === 'scalar' ? v.value : (v as SeriesValue).points.get(t);
  if (cond.kind === 'scalar') {
    return cond.value !== 0 ? yes : (no ?? { kind: 'scalar', value: NaN });
  }
  const points = new Map<number, number>();
  for (const [t, c] of cond.points) {
    const v = at(c !== 0 ? yes : no, t);
    if (v !== undefined && Number.isFinite(v)) points.set(t, v);
  }
  return { kind: 'series', points };
}
type SeriesValue = Extract<MathValue, { kind: 'series' }>;

/** Reducers return NaN for "no value", which series operations then drop. */
const REDUCERS: Record<string, (values: number[]) => number> = {
  MAX: (v) => (v.length ? Math.max(...v) : NaN),
  MIN: (v) => (v.length ? Math.min(...v) : NaN),
  SUM: (v) => (v.length ? v.reduce((a, b) => a + b, 0) : NaN),
  AVG: (v) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN),
};

function mapValue(v: MathValue, fn: (x: number) => number): MathValue {
  if (v.kind === 'scalar') return { kind: 'scalar', value: fn(v.value) };
  if (v.kind === 'array') return { kind: 'array', items: v.items.map((i) => mapValue(i, fn)) };
  const points = new Map<number, number>();
  for (const [t, x] of v.points) {
    const y = fn(x);
    if (Number.isFinite(y)) points.set(t, y);
  }
  return { kind: 'series', points };
}

/**
 * Arithmetic aligns series on their timestamps (a timestamp missing from either side is missing
 * from the result) and broadcasts a scalar over the other side. Division by zero yields no point.
 */
function combine(a: MathValue, b: MathValue, op: (x: number, y: number) => number): MathValue {
  if (a.kind === 'array' || b.kind === 'array') {
    throw invalid('arithmetic on arrays is not supported');
  }
  if (a.kind === 'scalar' && b.kind === 'scalar') {
    return { kind: 'scalar', value: op(a.value, b.value) };
  }
  if (a.kind === 'scalar') return mapValue(b, (y) => op(a.value, y));
  if (b.kind === 'scalar') return mapValue(a, (x) => op(x, b.value));
  const points = new Map<number, number>();
  for (const [t, x] of a.points) {
    const y = b.points.get(t);
    if (y === undefined) continue;
    const r = op(x, y);
    if (Number.isFinite(r)) points.set(t, r);
  }
  return { kind: 'series', points };
}

function reduceArray(items: MathValue[], reduce: (values: number[]) => number): MathValue {
  const series = items.filter((i) => i.kind === 'series');
  const scalars = items.flatMap((i) =>
    i.kind === 'scalar' && Number.isFinite(i.value) ? [i.value] : [],
  );
  if (series.length === 0) return { kind: 'scalar', value: reduce(scalars) };
  const timestamps = new Set<number>();
  for (const s of series) for (const t of s.points.keys()) timestamps.add(t);
  const points = new Map<number, number>();
  for (const t of timestamps) {
    const values = [...scalars];
    for (const s of series) {
      const v = s.points.get(t);
      if (v !== undefined) values.push(v);
    }
    const r = reduce(values);
    if (Number.isFinite(r)) points.set(t, r);
  }
  return { kind: 'series', points };
}

/**
 * Fills the timestamps of the query's period grid that `x` lacks. REPEAT uses the latest earlier
 * value and LINEAR interpolates between neighbours; gaps before the first value (and, for LINEAR,
 * after the last) stay empty because there is nothing to take a value from.
 */
function fill(x: MathValue, how: MathValue | 'REPEAT' | 'LINEAR', grid: number[]): MathValue {
  if (x.kind === 'array') throw invalid('FILL of an array is not supported');
  if (x.kind === 'scalar') {
    if (Number.isFinite(x.value) || typeof how === 'string' || how.kind !== 'scalar') return x;
    return how;
  }
  const points = new Map(x.points);
  const all = [...new Set([...grid, ...x.points.keys()])].sort((a, b) => a - b);
  if (how === 'REPEAT') {
    let last: number | undefined;
    for (const t of all) {
      const v = x.points.get(t);
      if (v !== undefined) last = v;
      else if (last !== undefined) points.set(t, last);
    }
  } else if (how === 'LINEAR') {
    const known = all.filter((t) => x.points.has(t));
    for (const t of all) {
      if (x.points.has(t)) continue;
      const before = known.filter((k) => k < t).at(-1);
      const after = known.find((k) => k > t);
      if (before === undefined || after === undefined) continue;
      const v0 = x.points.get(before)!;
      const v1 = x.points.get(after)!;
      points.set(t, v0 + ((v1 - v0) * (t - before)) / (after - before));
    }
  } else if (how.kind === 'scalar') {
    if (Number.isFinite(how.value))
      for (const t of all) if (!points.has(t)) points.set(t, how.value);
  } else if (how.kind === 'series') {
    for (const t of all) {
      const v = how.points.get(t);
      if (!points.has(t) && v !== undefined) points.set(t, v);
    }
  } else {
    throw invalid('FILL with an array value is not supported');
  }
  return { kind: 'series', points };
}
