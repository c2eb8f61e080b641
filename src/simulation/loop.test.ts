import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { runSimulate } from './cli.js';
import { FLAT_TRAFFIC, initialShardsFor, runPolicy } from './loop.js';
import { packagedStage } from '../../test/support/packages.js';
import { simulationPackage } from './package.js';
import { oursPolicy } from './policies.js';
import { demandSeries, parseTraceCsv, type DemandSeries } from './trace.js';
import type { RunResult } from './types.js';

/**
 * Five hours of 5-minute samples: 1 MiB/s, a step to 6 MiB/s from 01:00 to 02:30, back to 1 MiB/s.
 * Records are 4 KiB, so the byte limit binds (1 MiB/s of 1 KiB records is 1,024 records/s).
 */
function stepCsv(): string {
  const rows = ['timestamp,value'];
  const start = Date.UTC(2026, 0, 5);
  for (let m = 0; m < 300; m += 5) {
    const value = m >= 60 && m < 150 ? 6 : 1;
    rows.push(
      `${new Date(start + m * 60_000).toISOString().slice(0, 19).replace('T', ' ')},${value}`,
    );
  }
  return rows.join('\n');
}

let packageDir: string;
let demand: DemandSeries;
let run: RunResult;

beforeAll(async () => {
  packageDir = await simulationPackage(await packagedStage('local'));
  demand = demandSeries(parseTraceCsv(stepCsv(), 'step'), { peakMiBps: 6, recordKiB: 4 });
  run = await runPolicy({ demand, policy: oursPolicy(), packageDir, traffic: FLAT_TRAFFIC });
});

const minuteOf = (at: number) => (at - demand.startMs) / 60_000;

describe('one policy through the whole loop', () => {
  it('starts sized for the first sample at 50%', () => {
    expect(initialShardsFor(demand)).toBe(2);
    expect(run.series.capacityUnits[0]).toBe(2);
  });

  it('conserves records in every minute', () => {
    const s = run.series;
    for (let i = 0; i < demand.minutes; i++) {
      expect(s.acceptedRecords[i]! + s.throttledRecords[i]!).toBeCloseTo(s.offeredRecords[i]!, 3);
    }
  });

  it('throttles per shard: 6 MiB/s on 2 shards keeps 2 MiB/s', () => {
    const s = run.series;
    expect(s.throttledRecords.slice(0, 60).every((t) => t === 0)).toBe(true);
    expect(s.acceptedRecords[60]! / s.offeredRecords[60]!).toBeCloseTo(2 / 6, 6);
  });

  it('scales up within minutes of the step, by at most double each time, then back down', () => {
    const events = run.scalingEvents.map((e) => ({
      minute: minuteOf(e.at),
      from: e.from,
      to: e.to,
    }));
    // The step arrives at minute 60; one 1-minute period at >= 75%, evaluated a minute late, and
    // the first steps are bound by Kinesis's 2x rule while throttled demand is added back. Each
    // follows the last as soon as it is done: the re-armed alarm sees the minute it throttled. The third
    // step sizes 6 MiB/s for the 45% target (a few hours of history: no learned headroom, no
    // forecast): 14 shards.
    // The drop comes at minute 150; the scale-down alarm needs 12 five-minute periods below 25%
    // (a sliding window, evaluated every minute, so it fires a minute before a clock-aligned one),
    // each step is bound by the half rule, and 1 MiB/s on 4 shards is not below 25%.
    expect(events).toEqual([
      { minute: 62, from: 2, to: 4 },
      { minute: 64, from: 4, to: 8 },
      { minute: 66, from: 8, to: 14 },
      { minute: 215, from: 14, to: 7 },
      { minute: 217, from: 7, to: 4 },
    ]);
    expect(run.series.throttledRecords.slice(80, 300).every((t) => t === 0)).toBe(true);
    expect(run.warnings).toEqual([]);
  });

  it('is deterministic: the same input gives the same output', async () => {
    const again = await runPolicy({
      demand,
      policy: oursPolicy(),
      packageDir,
      traffic: FLAT_TRAFFIC,
    });
    expect(again.scalingEvents).toEqual(run.scalingEvents);
    expect([...again.series.capacityUnits]).toEqual([...run.series.capacityUnits]);
    expect([...again.series.throttledRecords]).toEqual([...run.series.throttledRecords]);
  });
});

describe('runSimulate', () => {
  it('prints JSON figures and writes results.json and a report with SVG charts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kas-sim-test-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const trace = join(dir, 'step.csv');
    await writeFile(trace, stepCsv());
    let stdout = '';
    let stderr = '';
    const result = await runSimulate(
      {
        trace,
        peakMibps: 6,
        recordKib: 4,
        policy: 'ours',
        json: true,
        out: join(dir, 'out'),
        packageDir,
      },
      {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t), isTTY: true },
      },
    );
    const figures = JSON.parse(stdout) as { label: string; costUsd: number }[];
    expect(figures.map((f) => f.label)).toEqual([
      'ours',
      'on-demand',
      'static-peak',
      'oracle',
      'bound',
    ]);
    expect(figures.every((f) => typeof f.costUsd === 'number' && f.costUsd > 0)).toBe(true);
    // --json turns the progress bar off even on a terminal.
    expect(stderr).toBe('');
    expect(result.figures).toEqual(figures);
    const saved = JSON.parse(await readFile(join(dir, 'out', 'results.json'), 'utf8')) as {
      figures: unknown[];
    };
    expect(saved.figures).toHaveLength(5);
    const html = await readFile(join(dir, 'out', 'report.html'), 'utf8');
    expect(html.match(/<svg/g)?.length).toBe(7);
    expect(html).toContain('ours: demand and capacity');
  });
});
