/**
 * CloudFormation templates as the Serverless Framework writes them: parsing, intrinsic functions
 * and resource ordering. Pure: it knows nothing of the services the resources live in; the
 * caller supplies what resources resolved to.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface TemplateParameter {
  Type: string;
  Default?: Json;
  AllowedValues?: Json[];
  Description?: string;
  NoEcho?: boolean | string;
}

export interface TemplateResource {
  Type: string;
  Properties?: JsonObject;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: Json;
}

export interface TemplateOutput {
  Value: Json;
  Description?: string;
  Condition?: string;
  Export?: { Name: Json };
}

export interface Template {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Parameters?: Record<string, TemplateParameter>;
  Conditions?: Record<string, Json>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, TemplateOutput>;
}

/** A template problem, with where it is (`resource X`, `output Y`) in the message. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** What a resource resolved to once it exists: `Ref` gives `ref`, `Fn::GetAtt` reads `attributes`. */
export interface ResolvedResource {
  type: string;
  ref: string;
  attributes: Record<string, string>;
}

export interface ResolveContext {
  region: string;
  accountId: string;
  stackName: string;
  stackId: string;
  partition: string;
  urlSuffix: string;
  /** Parameter values after defaults (see `resolveParameters`). */
  parameters: Record<string, string>;
  /** Condition values (see `evaluateConditions`). */
  conditions: Record<string, boolean>;
  /** Resources created so far. */
  resources: Map<string, ResolvedResource>;
  /** Export name -> value, from stacks applied before. */
  imports: Record<string, string>;
}

const PSEUDO_PARAMETERS = new Set([
  'AWS::Region',
  'AWS::AccountId',
  'AWS::StackName',
  'AWS::StackId',
  'AWS::Partition',
  'AWS::URLSuffix',
  'AWS::NotificationARNs',
  'AWS::NoValue',
]);

/** `Ref: AWS::NoValue` removes the property (or list element) that holds it. */
const NO_VALUE: unique symbol = Symbol('AWS::NoValue');
type Resolved = Json | typeof NO_VALUE;

export function parseTemplate(source: string | object): Template {
  let value: unknown = source;
  if (typeof source === 'string') {
    try {
      value = JSON.parse(source);
    } catch (err) {
      throw new TemplateError(
        `the template is not valid JSON (${err instanceof Error ? err.message : String(err)}); only JSON templates are supported`,
      );
    }
  }
  if (!isObject(value)) throw new TemplateError('the template must be a JSON object');
  const resources = value.Resources;
  if (!isObject(resources) || Object.keys(resources).length === 0) {
    throw new TemplateError('the template has no Resources');
  }
  for (const [id, res] of Object.entries(resources)) {
    if (!/^[A-Za-z0-9]+$/.test(id)) {
      throw new TemplateError(`resource ${id}: logical ids must be alphanumeric`);
    }
    if (!isObject(res) || typeof res.Type !== 'string') {
      throw new TemplateError(`resource ${id}: must be an object with a string Type`);
    }
    if (res.Properties !== undefined && !isObject(res.Properties)) {
      throw new TemplateError(`resource ${id}: Properties must be an object`);
    }
    const dependsOn = res.DependsOn;
    if (
      dependsOn !== undefined &&
      typeof dependsOn !== 'string' &&
      !(Array.isArray(dependsOn) && dependsOn.every((d) => typeof d === 'string'))
    ) {
      throw new TemplateError(`resource ${id}: DependsOn must be a string or a list of strings`);
    }
  }
  for (const section of ['Parameters', 'Conditions', 'Outputs'] as const) {
    if (value[section] !== undefined && !isObject(value[section])) {
      throw new TemplateError(`the template's ${section} must be an object`);
    }
  }
  for (const [key, out] of Object.entries((value.Outputs ?? {}) as Record<string, unknown>)) {
    if (!isObject(out) || !('Value' in out)) {
      throw new TemplateError(`output ${key}: must be an object with a Value`);
    }
  }
  return value as unknown as Template;
}

/** Parameter values: given ones (checked against AllowedValues), else defaults. */
export function resolveParameters(
  template: Template,
  given: Record<string, string> = {},
): Record<string, string> {
  const declared = template.Parameters ?? {};
  for (const name of Object.keys(given)) {
    if (!(name in declared)) throw new TemplateError(`parameter ${name} is not declared`);
  }
  const out: Record<string, string> = {};
  for (const [name, p] of Object.entries(declared)) {
    const raw = given[name] ?? p.Default;
    if (raw === undefined || raw === null) {
      throw new TemplateError(`parameter ${name} has no value and no Default`);
    }
    const value = Array.isArray(raw) ? raw.map(String).join(',') : String(raw as Json);
    if (p.AllowedValues && !p.AllowedValues.map(String).includes(value)) {
      throw new TemplateError(
        `parameter ${name}: value '${value}' is not one of ${p.AllowedValues.map(String).join(', ')}`,
      );
    }
    out[name] = value;
  }
  return out;
}

type ConditionContext = Omit<ResolveContext, 'conditions' | 'resources' | 'imports'>;

/** Evaluates the Conditions section (Fn::Equals/And/Or/Not, `Condition`, Ref to parameters). */
export function evaluateConditions(
  template: Template,
  ctx: ConditionContext,
): Record<string, boolean> {
  const defs = template.Conditions ?? {};
  const done: Record<string, boolean> = {};
  const visiting = new Set<string>();
  const evalNamed = (name: string, where: string): boolean => {
    if (name in done) return done[name]!;
    if (!(name in defs)) throw new TemplateError(`${where}: unknown condition ${name}`);
    if (visiting.has(name)) throw new TemplateError(`condition ${name}: circular reference`);
    visiting.add(name);
    const value = evalCondition(defs[name]!, `condition ${name}`);
    visiting.delete(name);
    done[name] = value;
    return value;
  };
  const scalar = (v: Json, where: string): string => {
    if (isObject(v) && 'Ref' in v && Object.keys(v).length === 1) {
      const name = v.Ref;
      if (typeof name !== 'string') throw new TemplateError(`${where}: Ref needs a name`);
      const pseudo = pseudoValue(name, ctx);
      if (pseudo !== undefined) return Array.isArray(pseudo) ? pseudo.join(',') : pseudo;
      if (name in ctx.parameters) return ctx.parameters[name]!;
      throw new TemplateError(`${where}: conditions may only Ref parameters, not ${name}`);
    }
    if (isObject(v) || Array.isArray(v)) {
      throw new TemplateError(`${where}: Fn::Equals compares strings or parameter Refs`);
    }
    return String(v);
  };
  const evalCondition = (v: Json, where: string): boolean => {
    if (!isObject(v) || Object.keys(v).length !== 1) {
      throw new TemplateError(`${where}: a condition must be a single condition function`);
    }
    const [fn, args] = Object.entries(v)[0]!;
    if (fn === 'Condition') {
      if (typeof args !== 'string') throw new TemplateError(`${where}: Condition needs a name`);
      return evalNamed(args, where);
    }
    if (!Array.isArray(args)) throw new TemplateError(`${where}: ${fn} needs a list`);
    switch (fn) {
      case 'Fn::Equals':
        if (args.length !== 2) throw new TemplateError(`${where}: Fn::Equals needs two values`);
        return scalar(args[0]!, where) === scalar(args[1]!, where);
      case 'Fn::And':
        return args.map((a) => evalCondition(a, where)).every(Boolean);
      case 'Fn::Or':
        return args.map((a) => evalCondition(a, where)).some(Boolean);
      case 'Fn::Not':
        if (args.length !== 1) throw new TemplateError(`${where}: Fn::Not needs one condition`);
        return !evalCondition(args[0]!, where);
      default:
        throw new TemplateError(`${where}: ${fn} is not a condition function`);
    }
  };
  for (const name of Object.keys(defs)) evalNamed(name, `condition ${name}`);
  return done;
}

/** The condition a resource or output names, checked to exist. */
export function isIncluded(
  condition: string | undefined,
  conditions: Record<string, boolean>,
  where: string,
): boolean {
  if (condition === undefined) return true;
  if (!(condition in conditions))
    throw new TemplateError(`${where}: unknown condition ${condition}`);
  return conditions[condition]!;
}

/**
 * Resolves every intrinsic function in `value`. `where` names the place for error messages
 * (`resource ScaleUpLambdaFunction`).
 */
export function resolveValue(value: Json, ctx: ResolveContext, where: string): Json {
  const out = resolve(value, ctx, where);
  return out === NO_VALUE ? null : out;
}

/** Resolves a value that must end up a string. */
export function resolveString(value: Json, ctx: ResolveContext, where: string): string {
  const out = resolveValue(value, ctx, where);
  if (typeof out === 'string') return out;
  if (typeof out === 'number' || typeof out === 'boolean') return String(out);
  throw new TemplateError(`${where}: expected a string, got ${JSON.stringify(out)}`);
}

function resolve(value: Json, ctx: ResolveContext, where: string): Resolved {
  if (Array.isArray(value)) {
    return value.map((v) => resolve(v, ctx, where)).filter((v): v is Json => v !== NO_VALUE);
  }
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const key = keys[0]!;
    if (key === 'Ref' || key.startsWith('Fn::')) return intrinsic(key, value[key]!, ctx, where);
  }
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    const r = resolve(v, ctx, where);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
}

function intrinsic(fn: string, args: Json, ctx: ResolveContext, where: string): Resolved {
  const at = `${where}: ${fn}`;
  switch (fn) {
    case 'Ref': {
      if (typeof args !== 'string') throw new TemplateError(`${at} needs a name`);
      return refValue(args, ctx, at);
    }
    case 'Fn::GetAtt': {
      const [id, attr] = getAttArgs(args, at);
      return getAtt(id, attr, ctx, at);
    }
    case 'Fn::Sub':
      return sub(args, ctx, at);
    case 'Fn::Join': {
      if (!Array.isArray(args) || args.length !== 2 || typeof args[0] !== 'string') {
        throw new TemplateError(`${at} needs [delimiter, list]`);
      }
      const list = resolve(args[1]!, ctx, where);
      if (!Array.isArray(list))
        throw new TemplateError(`${at}: the second argument must be a list`);
      return list.map((item) => scalarString(item, at)).join(args[0]);
    }
    case 'Fn::Select': {
      if (!Array.isArray(args) || args.length !== 2) {
        throw new TemplateError(`${at} needs [index, list]`);
      }
      const index = Number(resolve(args[0]!, ctx, where));
      const list = resolve(args[1]!, ctx, where);
      if (!Array.isArray(list))
        throw new TemplateError(`${at}: the second argument must be a list`);
      if (!Number.isInteger(index) || index < 0 || index >= list.length) {
        throw new TemplateError(
          `${at}: index ${String(index)} is out of range for ${list.length} items`,
        );
      }
      return list[index]!;
    }
    case 'Fn::Split': {
      if (!Array.isArray(args) || args.length !== 2 || typeof args[0] !== 'string') {
        throw new TemplateError(`${at} needs [delimiter, string]`);
      }
      const source = resolve(args[1]!, ctx, where);
      if (typeof source !== 'string') throw new TemplateError(`${at}: the source must be a string`);
      return source.split(args[0]);
    }
    case 'Fn::If': {
      if (!Array.isArray(args) || args.length !== 3 || typeof args[0] !== 'string') {
        throw new TemplateError(`${at} needs [condition, valueIfTrue, valueIfFalse]`);
      }
      const cond = args[0];
      if (!(cond in ctx.conditions)) throw new TemplateError(`${at}: unknown condition ${cond}`);
      return resolve(ctx.conditions[cond] ? args[1]! : args[2]!, ctx, where);
    }
    case 'Fn::ImportValue': {
      const name = resolve(args, ctx, where);
      if (typeof name !== 'string') throw new TemplateError(`${at} needs an export name`);
      const imported = ctx.imports[name];
      if (imported === undefined) {
        throw new TemplateError(`${at}: no applied stack exports ${name}`);
      }
      return imported;
    }
    case 'Fn::Base64': {
      const text = resolve(args, ctx, where);
      if (typeof text !== 'string') throw new TemplateError(`${at} needs a string`);
      return Buffer.from(text, 'utf8').toString('base64');
    }
    case 'Fn::GetAZs': {
      const region = resolve(args, ctx, where);
      const r = typeof region === 'string' && region !== '' ? region : ctx.region;
      return ['a', 'b', 'c'].map((z) => `${r}${z}`);
    }
    default:
      throw new TemplateError(
        `${where}: intrinsic function ${fn} is not supported by the emulator`,
      );
  }
}

function refValue(name: string, ctx: ResolveContext, at: string): Resolved {
  if (name === 'AWS::NoValue') return NO_VALUE;
  const pseudo = pseudoValue(name, ctx);
  if (pseudo !== undefined) return pseudo;
  if (name in ctx.parameters) return ctx.parameters[name]!;
  const res = ctx.resources.get(name);
  if (res) return res.ref;
  throw new TemplateError(`${at} to ${name}: no parameter or created resource has that name`);
}

function pseudoValue(name: string, ctx: ConditionContext): string | string[] | undefined {
  switch (name) {
    case 'AWS::Region':
      return ctx.region;
    case 'AWS::AccountId':
      return ctx.accountId;
    case 'AWS::StackName':
      return ctx.stackName;
    case 'AWS::StackId':
      return ctx.stackId;
    case 'AWS::Partition':
      return ctx.partition;
    case 'AWS::URLSuffix':
      return ctx.urlSuffix;
    case 'AWS::NotificationARNs':
      return [];
    default:
      return undefined;
  }
}

function getAttArgs(args: Json, at: string): [string, string] {
  if (typeof args === 'string') {
    const dot = args.indexOf('.');
    if (dot > 0) return [args.slice(0, dot), args.slice(dot + 1)];
  }
  if (
    Array.isArray(args) &&
    args.length === 2 &&
    typeof args[0] === 'string' &&
    typeof args[1] === 'string'
  ) {
    return [args[0], args[1]];
  }
  throw new TemplateError(`${at} needs [LogicalId, Attribute] or "LogicalId.Attribute"`);
}

function getAtt(id: string, attr: string, ctx: ResolveContext, at: string): string {
  const res = ctx.resources.get(id);
  if (!res) throw new TemplateError(`${at} ${id}.${attr}: resource ${id} does not exist (yet)`);
  const value = res.attributes[attr];
  if (value === undefined) {
    throw new TemplateError(
      `${at} ${id}.${attr}: the emulator does not provide attribute ${attr} of ${res.type}` +
        ` (available: ${Object.keys(res.attributes).join(', ') || 'none'})`,
    );
  }
  return value;
}

const SUB_VAR = /\$\{([^}]*)\}/g;

function sub(args: Json, ctx: ResolveContext, at: string): string {
  let text: Json;
  let vars: JsonObject = {};
  if (typeof args === 'string') {
    text = args;
  } else if (Array.isArray(args) && args.length === 2 && isObject(args[1])) {
    text = args[0]!;
    vars = args[1];
  } else {
    throw new TemplateError(`${at} needs a string or [string, {variables}]`);
  }
  if (typeof text !== 'string') throw new TemplateError(`${at}: the template must be a string`);
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) values[k] = scalarString(resolve(v, ctx, at), at);
  return text.replace(SUB_VAR, (whole, inner: string) => {
    // `${!Literal}` is the escape for a literal `${Literal}`.
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    const name = inner.trim();
    if (name in values) return values[name]!;
    const dot = name.indexOf('.');
    if (dot > 0 && !PSEUDO_PARAMETERS.has(name)) {
      return getAtt(name.slice(0, dot), name.slice(dot + 1), ctx, at);
    }
    const v = refValue(name, ctx, `${at} \${${name}}: Ref`);
    if (v === NO_VALUE) throw new TemplateError(`${at}: AWS::NoValue cannot be substituted`);
    return scalarString(v, at);
  });
}

function scalarString(v: Resolved, at: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TemplateError(`${at}: expected a string, got ${JSON.stringify(v)}`);
}

/** Logical ids of resources that `value` refers to through Ref, Fn::GetAtt or Fn::Sub. */
export function referencedResources(value: Json, template: Template): Set<string> {
  const found = new Set<string>();
  const params = template.Parameters ?? {};
  const isResourceName = (name: string) => !PSEUDO_PARAMETERS.has(name) && !(name in params);
  const walk = (v: Json): void => {
    if (Array.isArray(v)) {
      v.forEach((x) => walk(x));
      return;
    }
    if (!isObject(v)) return;
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const arg = v[keys[0]!]!;
      switch (keys[0]) {
        case 'Ref':
          if (typeof arg === 'string' && isResourceName(arg)) found.add(arg);
          return;
        case 'Fn::GetAtt':
          try {
            found.add(getAttArgs(arg, '')[0]);
          } catch {
            // Malformed GetAtt is reported when the value is resolved.
          }
          return;
        case 'Fn::Sub': {
          const text = typeof arg === 'string' ? arg : Array.isArray(arg) ? arg[0] : undefined;
          const local =
            Array.isArray(arg) && isObject(arg[1])
              ? new Set(Object.keys(arg[1]))
              : new Set<string>();
          if (Array.isArray(arg) && isObject(arg[1])) walk(arg[1]);
          if (typeof text === 'string') {
            for (const m of text.matchAll(SUB_VAR)) {
              const inner = m[1]!.trim();
              if (inner.startsWith('!') || local.has(inner)) continue;
              const dot = inner.indexOf('.');
              const name = dot > 0 && !PSEUDO_PARAMETERS.has(inner) ? inner.slice(0, dot) : inner;
              if (isResourceName(name)) found.add(name);
            }
          }
          return;
        }
      }
    }
    for (const x of Object.values(v)) walk(x);
  };
  walk(value);
  return found;
}

/**
 * Orders resources so that each comes after everything it refers to or DependsOn. Fails on a
 * reference to an unknown resource and on cycles, naming the resources involved.
 */
export function dependencyOrder(template: Template): string[] {
  const resources = template.Resources;
  const deps = new Map<string, Set<string>>();
  for (const [id, res] of Object.entries(resources)) {
    const set = referencedResources((res.Properties ?? {}) as Json, template);
    const dependsOn = res.DependsOn === undefined ? [] : [res.DependsOn].flat();
    for (const d of dependsOn) {
      if (!(d in resources))
        throw new TemplateError(`resource ${id}: DependsOn unknown resource ${d}`);
      set.add(d);
    }
    for (const d of set) {
      if (!(d in resources)) {
        throw new TemplateError(
          `resource ${id}: refers to ${d}, which is neither a parameter, a pseudo parameter nor a resource`,
        );
      }
    }
    deps.set(id, set);
  }
  for (const [key, out] of Object.entries(template.Outputs ?? {})) {
    for (const d of referencedResources(out.Value, template)) {
      if (!(d in resources))
        throw new TemplateError(`output ${key}: refers to unknown resource ${d}`);
    }
  }

  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    const s = state.get(id);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(id)), id];
      throw new TemplateError(`circular dependency between resources: ${cycle.join(' -> ')}`);
    }
    state.set(id, 'visiting');
    stack.push(id);
    // Sorted so that the order does not depend on how the template lists its resources.
    for (const d of [...deps.get(id)!].sort()) visit(d);
    stack.pop();
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of Object.keys(resources)) visit(id);
  return order;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
