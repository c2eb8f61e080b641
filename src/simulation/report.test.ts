import { describe, expect, it } from 'vitest';
import { costLossSpec, paretoFront, renderSvg } from './report.js';
import type { Figures } from './summary.js';

const fig = (label: string, costUsd: number, throttledPercent: number): Figures =>
  ({ label, kind: 'policy', costUsd, throttledPercent }) as Figures;

describe('cost against loss', () => {
  const figures = [
    fig('cheap-lossy', 10, 5),
    fig('dominated', 30, 6),
    fig('middle', 20, 1),
    fig('safe', 40, 0),
    fig('bound', 15, 0),
  ];

  it('keeps on the Pareto front only the runs nothing beats on both cost and loss', () => {
    expect(paretoFront(figures).map((f) => f.label)).toEqual(['bound', 'cheap-lossy']);
    expect(paretoFront(figures.filter((f) => f.label !== 'bound')).map((f) => f.label)).toEqual([
      'safe',
      'middle',
      'cheap-lossy',
    ]);
  });

  it('draws every run as a point, with the bound as a marker', async () => {
    const svg = await renderSvg(costLossSpec(figures));
    for (const f of figures) expect(svg).toContain(`>${f.label}<`);
    expect(svg).toContain('Cost against loss');
  });
});
