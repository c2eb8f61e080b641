/**
 * Traffic traces: a CSV of `timestamp,value` samples that gives the shape of real traffic, scaled so
 * that its peak equals a chosen write rate, and turned into a per-minute demand series.
 */
import { readFile } from 'node:fs/promises';
import { SHARD_BYTES_PER_SECOND, SHARD_RECORDS_PER_SECOND } from '../autoscaler/load.js';

export const MINUTE_MS = 60_000;
export const MiB = 1024 * 1024;
export const KiB = 1024;

export interface TraceSample {
  /** Epoch ms (timestamps without a zone are read as UTC). */
  timestamp: number;
  value: number;
}

export interface Trace {
  name: string;
  samples: TraceSample[];
  /** What was repaired while reading (out-of-order rows, repeated timestamps, gaps, blanks). */
  warnings: string[];
}

/**
 * How samples that share a timestamp become one. Exports repeat timestamps when a daylight-saving
 * change folds an hour onto itself, or when two exports are concatenated. `max` is the default: it
 * keeps every burst the export recorded, and the trace's peak (which sets its scale) then does not
 * depend on the rule. `mean` keeps the level, `sum` suits counts split across two rows, `last`
 * trusts the later row.
 */
export const DUPLICATE_RULES = ['max', 'mean', 'sum', 'last'] as const;
export type DuplicateRule = (typeof DUPLICATE_RULES)[number];

export interface ParseOptions {
  duplicates?: DuplicateRule;
  /** How errors name the input (the file's path); default the trace's name. */
  source?: string;
}

export class TraceError extends Error {
  override readonly name = 'TraceError';
}

// NAB writes `2015-02-26 21:42:53`; ISO-8601 with `T` and an optional zone is accepted too.
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function parseTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms, zone] = m;
  const utc = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s ?? 0),
    Number((ms ?? '0').padEnd(3, '0')),
  );
  // Date.UTC rolls 2015-02-31 over into March; a calendar check catches such typos.
  const check = new Date(utc);
  if (
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s ?? 0) > 59
  ) {
    return undefined;
  }
  if (!zone || zone === 'Z') return utc;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * MINUTE_MS;
  return utc - sign * offset;
}

/**
 * Parses a trace CSV. Real exports are messy, so what can be repaired is, with a warning that
 * counts it: rows out of order are sorted, rows sharing a timestamp are merged (`duplicates`),
 * empty values are dropped as missing samples, and gaps are held at the last value. Only what cannot
 * be read is refused, naming the 1-based line, since a bad row in the middle of 15,000 is otherwise
 * hard to find.
 */
export function parseTraceCsv(text: string, name = 'trace', opts: ParseOptions = {}): Trace {
  const rule = opts.duplicates ?? 'max';
  const source = opts.source ?? name;
  const lines = text.split(/\r?\n/);
  const header = lines[0]?.replace(/^\uFEFF/, '').trim() ?? '';
  if (header.replace(/\s+/g, '').toLowerCase() !== 'timestamp,value') {
    throw new TraceError(
      `${source} line 1: expected the header "timestamp,value", found ${JSON.stringify(header)}`,
    );
  }
  const rows: TraceSample[] = [];
  let outOfOrder = 0;
  let missingValues = 0;
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    const where = `${source} line ${i + 1}`;
    const cells = raw.split(',');
    if (cells.length !== 2) {
      throw new TraceError(
        `${where}: expected 2 fields (timestamp,value), found ${cells.length}: ${JSON.stringify(raw)}`,
      );
    }
    const timestamp = parseTimestamp(cells[0]!.trim().replace(/^"|"$/g, ''));
    if (timestamp === undefined) {
      throw new TraceError(
        `${where}: ${JSON.stringify(cells[0])} is not a timestamp like 2015-02-26 21:42:53`,
      );
    }
    const valueText = cells[1]!.trim().replace(/^"|"$/g, '');
    if (valueText === '') {
      missingValues++;
      continue;
    }
    const value = Number(valueText);
    if (!Number.isFinite(value) || value < 0) {
      throw new TraceError(
        `${where}: value ${JSON.stringify(cells[1])} must be a finite number >= 0`,
      );
    }
    const previous = rows[rows.length - 1];
    if (previous && timestamp < previous.timestamp) outOfOrder++;
    rows.push({ timestamp, value });
  }
  if (rows.length === 0) throw new TraceError(`${source}: no samples after the header`);
  // A stable sort keeps rows that share a timestamp in file order, which `last` relies on.
  rows.sort((a, b) => a.timestamp - b.timestamp);
  const samples: TraceSample[] = [];
  let merged = 0;
  let groups = 0;
  for (let i = 0; i < rows.length;) {
    let j = i + 1;
    while (j < rows.length && rows[j]!.timestamp === rows[i]!.timestamp) j++;
    const group = rows.slice(i, j).map((r) => r.value);
    if (group.length > 1) {
      merged += group.length;
      groups++;
    }
    samples.push({ timestamp: rows[i]!.timestamp, value: mergeValues(group, rule) });
    i = j;
  }
  if (!samples.some((s) => s.value > 0)) {
    throw new TraceError(`${source}: every value is 0, so the trace has no peak to scale to`);
  }
  const warnings: string[] = [];
  if (outOfOrder > 0) warnings.push(`${outOfOrder} row(s) out of time order (sorted)`);
  if (groups > 0) {
    warnings.push(`${merged} rows shared ${groups} timestamp(s) (merged by ${rule})`);
  }
  if (missingValues > 0)
    warnings.push(`${missingValues} row(s) with no value (dropped as missing)`);
  const interval = typicalIntervalMs(samples);
  let gaps = 0;
  let longest = 0;
  for (let i = 1; i < samples.length; i++) {
    const gap = samples[i]!.timestamp - samples[i - 1]!.timestamp;
    if (gap > 2 * interval) {
      gaps++;
      longest = Math.max(longest, gap);
    }
  }
  if (gaps > 0) {
    warnings.push(
      `${gaps} gap(s) longer than twice the ${formatDuration(interval)} sample interval, the longest ${formatDuration(longest)} (the last value is held)`,
    );
  }
  return { name, samples, warnings };
}

function mergeValues(values: number[], rule: DuplicateRule): number {
  switch (rule) {
    case 'max':
      return Math.max(...values);
    case 'mean':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'last':
      return values[values.length - 1]!;
  }
}

function formatDuration(ms: number): string {
  const minutes = Math.round(ms / MINUTE_MS);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${h} h` : `${h} h ${minutes % 60} min`;
}

export async function readTrace(path: string, opts: ParseOptions = {}): Promise<Trace> {
  const text = await readFile(path, 'utf8');
  const base = path.split(/[\\/]/).pop() ?? path;
  return parseTraceCsv(text, base.replace(/\.csv$/i, ''), { source: path, ...opts });
}

export interface ScaleOptions {
  /** The trace's peak becomes this write rate, in MiB/s. */
  peakMiBps: number;
  /** Size of every record, in KiB. */
  recordKiB: number;
}

/**
 * Per-minute demand. Index i is the minute starting at `startMs + i * 60 s`; rates are per second
 * and constant within the minute.
 */
export interface DemandSeries {
  name: string;
  startMs: number;
  minutes: number;
  recordBytes: number;
  bytesPerSecond: Float64Array;
  recordsPerSecond: Float64Array;
  peakMiBps: number;
}

/** The median gap between samples, so the last sample is held as long as a typical sample. */
export function typicalIntervalMs(samples: readonly TraceSample[]): number {
  if (samples.length < 2) return MINUTE_MS;
  const gaps = samples
    .slice(1)
    .map((s, i) => s.timestamp - samples[i]!.timestamp)
    .sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)]!;
}

/**
 * Scales a trace to its demand series. Each sample takes effect at the start of the minute it falls
 * in (a shift of under a minute, so minutes never mix two samples) and is held until the next
 * sample's minute, so a gap holds the last value; the last sample is held for the typical interval.
 */
export function demandSeries(trace: Trace, opts: ScaleOptions): DemandSeries {
  if (!(opts.peakMiBps > 0) || !Number.isFinite(opts.peakMiBps)) {
    throw new TraceError(`peak must be a positive number of MiB/s, got ${opts.peakMiBps}`);
  }
  if (!(opts.recordKiB > 0) || !Number.isFinite(opts.recordKiB) || opts.recordKiB > 1024) {
    throw new TraceError(
      `record size must be more than 0 and at most 1024 KiB (Kinesis's 1 MiB record limit), got ${opts.recordKiB}`,
    );
  }
  const { samples } = trace;
  const peak = Math.max(...samples.map((s) => s.value));
  const minuteOf = (t: number) => Math.floor(t / MINUTE_MS) * MINUTE_MS;
  const startMs = minuteOf(samples[0]!.timestamp);
  const endMs = Math.max(
    minuteOf(samples[samples.length - 1]!.timestamp) +
      Math.max(MINUTE_MS, minuteOf(typicalIntervalMs(samples))),
    startMs + MINUTE_MS,
  );
  const minutes = (endMs - startMs) / MINUTE_MS;
  const recordBytes = opts.recordKiB * KiB;
  const bytesPerSecond = new Float64Array(minutes);
  const recordsPerSecond = new Float64Array(minutes);
  const peakBytes = opts.peakMiBps * MiB;
  let next = 0;
  let current = samples[0]!.value;
  for (let i = 0; i < minutes; i++) {
    const t = startMs + i * MINUTE_MS;
    // Two samples inside one minute: the later one wins, as it is the one held afterwards.
    while (next < samples.length && minuteOf(samples[next]!.timestamp) <= t) {
      current = samples[next]!.value;
      next++;
    }
    const bytes = (current / peak) * peakBytes;
    bytesPerSecond[i] = bytes;
    recordsPerSecond[i] = bytes / recordBytes;
  }
  return {
    name: trace.name,
    startMs,
    minutes,
    recordBytes,
    bytesPerSecond,
    recordsPerSecond,
    peakMiBps: opts.peakMiBps,
  };
}

/**
 * Demand in shard-equivalents: how many shards the rate fills at 100%, by bytes or by records,
 * whichever is larger (the per-shard write limits are 1 MiB/s and 1,000 records/s).
 */
export function shardUnits(bytesPerSecond: number, recordsPerSecond: number): number {
  return Math.max(
    bytesPerSecond / SHARD_BYTES_PER_SECOND,
    recordsPerSecond / SHARD_RECORDS_PER_SECOND,
  );
}

/**
 * The fewest shards that carry a rate without throttling. The small tolerance keeps an exact fit
 * (2.0000000001 from float division) from asking for an extra shard.
 */
export function shardsFor(bytesPerSecond: number, recordsPerSecond: number): number {
  return Math.max(1, Math.ceil(shardUnits(bytesPerSecond, recordsPerSecond) - 1e-9));
}

/**
 * The fraction of offered traffic a capacity of `units` shard-equivalents accepts when the traffic
 * is spread evenly: the same rule as the Kinesis model's `ingest`.
 */
export function acceptedFraction(demandUnits: number, capacityUnits: number): number {
  return demandUnits <= capacityUnits ? 1 : capacityUnits / demandUnits;
}
