import { describe, expect, it } from 'vitest';
import {
  acceptedFraction,
  demandSeries,
  MiB,
  parseTraceCsv,
  shardsFor,
  TraceError,
  typicalIntervalMs,
} from './trace.js';

const csv = (rows: string[]) => ['timestamp,value', ...rows].join('\n');

describe('parseTraceCsv', () => {
  it('reads NAB rows as UTC', () => {
    const t = parseTraceCsv(csv(['2015-02-26 21:42:53,104', '2015-02-26 21:47:53,100.5']));
    expect(t.samples).toEqual([
      { timestamp: Date.UTC(2015, 1, 26, 21, 42, 53), value: 104 },
      { timestamp: Date.UTC(2015, 1, 26, 21, 47, 53), value: 100.5 },
    ]);
  });

  it.each([
    [csv(['2015-02-26 21:42:53,104', '2015-02-26 21:47:53,abc']), /line 3: value "abc"/],
    [csv(['2015-02-26 21:42:53,104', 'yesterday,1']), /line 3: "yesterday" is not a timestamp/],
    [csv(['2015-02-31 00:00:00,1']), /line 2: "2015-02-31 00:00:00" is not a timestamp/],
    [csv(['2015-02-26 21:42:53,-1']), /line 2: value "-1" must be a finite number >= 0/],
    [csv(['2015-02-26 21:42:53,1,2']), /line 2: expected 2 fields/],
    ['time,count\n2015-02-26 21:42:53,1', /line 1: expected the header "timestamp,value"/],
    [csv([]), /no samples/],
    [csv(['2015-02-26 21:42:53,0']), /every value is 0/],
  ])('names the line of a bad row (%#)', (text, message) => {
    expect(() => parseTraceCsv(text)).toThrow(TraceError);
    expect(() => parseTraceCsv(text)).toThrow(message);
  });

  it('names the file in errors when told where the text came from', () => {
    expect(() =>
      parseTraceCsv(csv(['2015-02-26 21:42:53,x']), 't', { source: 'data/t.csv' }),
    ).toThrow(/^data\/t\.csv line 2: value "x"/);
  });
});

describe('messy traces', () => {
  // A daylight-saving fall-back export: 01:00 and 01:05 appear twice, one row is out of order,
  // one has no value and an hour is missing.
  const messy = csv([
    '2026-10-25 00:50:00,10',
    '2026-10-25 00:55:00,12',
    '2026-10-25 01:00:00,20',
    '2026-10-25 01:05:00,22',
    '2026-10-25 01:00:00,30',
    '2026-10-25 01:05:00,8',
    '2026-10-25 01:15:00,14',
    '2026-10-25 01:10:00,',
    '2026-10-25 01:20:00,16',
    '2026-10-25 02:30:00,18',
  ]);

  it('sorts, merges repeated timestamps by max by default, and counts every repair', () => {
    const t = parseTraceCsv(messy, 'dst');
    expect(t.samples.map((s) => s.value)).toEqual([10, 12, 30, 22, 14, 16, 18]);
    expect(t.samples.map((s) => s.timestamp)).toEqual(
      [...t.samples.map((s) => s.timestamp)].sort((a, b) => a - b),
    );
    expect(t.warnings).toEqual([
      '1 row(s) out of time order (sorted)',
      '4 rows shared 2 timestamp(s) (merged by max)',
      '1 row(s) with no value (dropped as missing)',
      '1 gap(s) longer than twice the 5 min sample interval, the longest 1 h 10 min (the last value is held)',
    ]);
  });

  it.each([
    ['mean', [10, 12, 25, 15, 14, 16, 18]],
    ['sum', [10, 12, 50, 30, 14, 16, 18]],
    ['last', [10, 12, 30, 8, 14, 16, 18]],
  ] as const)('merges repeated timestamps by %s when asked', (rule, values) => {
    expect(parseTraceCsv(messy, 'dst', { duplicates: rule }).samples.map((s) => s.value)).toEqual(
      values,
    );
  });

  it('a clean trace has no warnings', () => {
    expect(parseTraceCsv(csv(['2015-02-26 21:42:53,1', '2015-02-26 21:47:53,2'])).warnings).toEqual(
      [],
    );
  });
});

describe('demandSeries', () => {
  const trace = parseTraceCsv(
    csv([
      '2026-01-01 00:00:30,10',
      '2026-01-01 00:05:30,40',
      // 00:10 is missing: the 40 is held through the gap.
      '2026-01-01 00:15:30,20',
      '2026-01-01 00:20:30,20',
    ]),
  );
  const d = demandSeries(trace, { peakMiBps: 8, recordKiB: 1 });

  it('starts at the first sample minute and holds the last sample for the typical interval', () => {
    expect(d.startMs).toBe(Date.UTC(2026, 0, 1));
    expect(typicalIntervalMs(trace.samples)).toBe(5 * 60_000);
    expect(d.minutes).toBe(25);
  });

  it('scales the peak to the requested rate and holds each sample until the next', () => {
    const mibps = [...d.bytesPerSecond].map((b) => b / MiB);
    expect(mibps.slice(0, 5)).toEqual([2, 2, 2, 2, 2]);
    expect(mibps.slice(5, 15)).toEqual(Array(10).fill(8));
    expect(mibps.slice(15)).toEqual(Array(10).fill(4));
    expect(d.recordsPerSecond[5]).toBe(8 * 1024);
  });

  it('rejects a non-positive peak or an impossible record size', () => {
    expect(() => demandSeries(trace, { peakMiBps: 0, recordKiB: 1 })).toThrow(/peak/);
    expect(() => demandSeries(trace, { peakMiBps: 1, recordKiB: 2048 })).toThrow(/record size/);
  });
});

describe('shard arithmetic', () => {
  it('sizes by bytes or by records, whichever binds', () => {
    expect(shardsFor(3 * MiB, 100)).toBe(3);
    expect(shardsFor(100, 2500)).toBe(3);
    expect(shardsFor(2 * MiB, 2000)).toBe(2);
    expect(shardsFor(0, 0)).toBe(1);
  });

  it('accepts everything up to capacity and the capacity share beyond it', () => {
    expect(acceptedFraction(1.5, 2)).toBe(1);
    expect(acceptedFraction(4, 2)).toBe(0.5);
  });
});
