/**
 * plan: one day planned for every automation of the shipped configuration, over a seeded
 * database, stored as a tick stores it (a day is what a day of ticks plans, in one window).
 */
import { performance } from 'node:perf_hooks';
import { PlanRun, planWindow } from '../../src/schedule/plan-service.js';
import { DIGEST_DAY, PLAN_DAY } from '../data.js';
import { openBenchRuntime } from '../runtime.js';
import { elapsedMs, peakRssMb } from '../stats.js';
import type { ChildResult } from '../child.js';

const DAY = 86_400_000;

export async function measurePlan(databaseUrl: string, day: 'typical' | 'digest'): Promise<ChildResult> {
  const rt = await openBenchRuntime({ databaseUrl });
  try {
    const from = day === 'digest' ? DIGEST_DAY : PLAN_DAY;
    const run = new PlanRun(rt.db, rt.config, from, true);
    const start = performance.now();
    await planWindow(run, { from, to: from + DAY });
    const ms = elapsedMs(start);
    const { customers, planned, inserted } = run.result;
    return { ms, customers, planned, inserted, rowsPerSec: inserted / (ms / 1000), peakRssMb: peakRssMb() };
  } finally {
    await rt.close();
  }
}
