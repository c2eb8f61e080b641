import { TemplateError, type Json, type JsonObject } from './template.js';

/**
 * Reading resolved resource properties: each reader names the resource and property it rejects.
 */
/** Properties the emulator does not act on are reported rather than silently dropped. */
export function ignoredProperties(props: JsonObject, known: Set<string>): string | undefined {
  const ignored = Object.keys(props).filter((k) => !known.has(k));
  return ignored.length > 0 ? `ignored properties: ${ignored.join(', ')}` : undefined;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isNotFound(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.name === 'ResourceNotFoundException' || err.name === 'NotFoundException')
  );
}

export function requiredString(v: Json | undefined, logicalId: string, prop: string): string {
  const s = optionalString(v, logicalId, prop);
  if (s === undefined) throw new TemplateError(`resource ${logicalId}: ${prop} is required`);
  return s;
}

export function optionalString(
  v: Json | undefined,
  logicalId: string,
  prop: string,
): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TemplateError(
    `resource ${logicalId}: ${prop} must resolve to a string, got ${JSON.stringify(v)}`,
  );
}

export function optionalNumber(
  v: Json | undefined,
  logicalId: string,
  prop: string,
): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new TemplateError(
      `resource ${logicalId}: ${prop} must be a number, got ${JSON.stringify(v)}`,
    );
  }
  return n;
}

export function tagList(
  v: Json | undefined,
  logicalId: string,
): Array<{ Key: string; Value: string }> {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new TemplateError(`resource ${logicalId}: Tags must be a list`);
  return v.map((t, i) => {
    if (!isObject(t) || typeof t.Key !== 'string') {
      throw new TemplateError(`resource ${logicalId}: Tags[${i}] must have a string Key`);
    }
    return { Key: t.Key, Value: t.Value === undefined || t.Value === null ? '' : String(t.Value) };
  });
}

/** A resource failed to apply; the message names it, its type and what went wrong. */
export class ApplyError extends Error {
  constructor(
    message: string,
    readonly logicalId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApplyError';
  }
}
