/** simulate: a year of the shipped automations for every customer, counting forecast lines. */
import { performance } from 'node:perf_hooks';
import { forecast } from '../../src/schedule/forecast.js';
import { DATA_NOW } from '../data.js';
import { openBenchRuntime } from '../runtime.js';
import { elapsedMs, peakRssMb } from '../stats.js';
import type { ChildResult } from '../child.js';

const YEAR = 365 * 86_400_000;

export async function measureSimulate(databaseUrl: string): Promise<ChildResult> {
  const rt = await openBenchRuntime({ databaseUrl });
  try {
    let lines = 0;
    let sends = 0;
    const start = performance.now();
    await forecast(rt.db, rt.config, {
      from: DATA_NOW,
      to: DATA_NOW + YEAR,
      useBooks: false,
      onLines(page) {
        lines += page.length;
        for (const line of page) if (line.outcome === 'send') sends++;
      },
    });
    const ms = elapsedMs(start);
    return { ms, lines, sends, linesPerSec: lines / (ms / 1000), peakRssMb: peakRssMb() };
  } finally {
    await rt.close();
  }
}
