/**
 * The daemon's two halves — the planning tick and the deliverer — driven by one virtual clock:
 *
 *   const rig = await openClockRig({ databaseUrl, smtpUrl: sink.url, start: T('2027-03-13T00:00Z') });
 *   await rig.at(T('2027-03-13T09:00Z'));   // move the clock, tick, deliver everything due
 *   rig.clock = T('...');                    // or move it without doing anything (downtime)
 *
 * Built by createApp like the daemon: the deliverer and its drain are the real ones (claim, decide,
 * render, send through the mailer, record); only the clock and the rate limiter's wait are
 * virtual, so a burst never sleeps in real time. Templates are read from the folder.
 */
import type { BatchReport } from '../../src/deliver/deliver.js';
import { createMailer, type Mailer } from '../../src/deliver/mailer.js';
import { createApp } from '../../src/app.js';
import { nextAvailableAt } from '../../src/db/deliveries.js';
import type { TickReport } from '../../src/schedule/tick.js';
import { mailerOptions, type DbRuntime } from '../../src/runtime.js';
import { openTestRuntime } from './runtime.js';
import { afterEach } from 'vitest';

export interface ClockRigOptions {
  databaseUrl: string;
  smtpUrl: string;
  start: number;
  /** Deep-merged over the shipped config (arrays such as `automations` replace). */
  config?: Record<string, unknown>;
}

export interface ClockRig {
  readonly rt: DbRuntime;
  /** The virtual now, epoch ms; every part of the rig reads it. */
  clock: number;
  /** Message-IDs in the order the deliverer handed them to the mailer. */
  readonly handed: readonly string[];
  tick(): Promise<TickReport>;
  /** Claim and process batches until nothing more is due now. */
  deliver(): Promise<BatchReport[]>;
  /** Set the clock, run one tick, then deliver what is due. */
  at(instant: number): Promise<{ tick: TickReport; sent: number }>;
  /**
   * Run until `end` like the daemon with a slow tick: a tick at least every `tickEvery`, and a
   * delivery pass (with a tick) exactly when the next pending message becomes due. With a
   * planning horizon longer than `tickEvery`, every message is claimed at its due time.
   */
  runUntil(end: number, tickEvery: number): Promise<void>;
  close(): Promise<void>;
}

export async function openClockRig(o: ClockRigOptions): Promise<ClockRig> {
  const state = { clock: o.start };
  const now = (): number => state.clock;
  const rt = await openTestRuntime({
    databaseUrl: o.databaseUrl,
    smtpUrl: o.smtpUrl,
    now,
    ...(o.config ? { config: o.config } : {}),
  });
  const handed: string[] = [];
  const app = await createApp(rt, {
    workerId: 'virtual-worker',
    // The rate limiter's wait: virtual time does not pass while sending.
    sleep: async () => {},
    random: () => 0.5,
    mailer: recording(createMailer(rt.config.smtp.url, mailerOptions(rt.config)), handed),
    templates: 'folder',
  }).catch(async (error: unknown) => {
    await rt.close();
    throw error;
  });
  const { tick, drain: deliver } = app;
  const at = async (instant: number) => {
    state.clock = instant;
    const report = await tick();
    const batches = await deliver();
    return { tick: report, sent: batches.reduce((n, b) => n + b.sent, 0) };
  };
  const runUntil = async (end: number, tickEvery: number) => {
    let t = state.clock;
    for (;;) {
      await at(t);
      if (t >= end) return;
      const next = await nextAvailableAt(rt.db.knex);
      const step = Math.min(t + tickEvery, end);
      t = next !== null && next > t && next < step ? next : step;
    }
  };
  return {
    rt,
    handed,
    get clock() {
      return state.clock;
    },
    set clock(value: number) {
      state.clock = value;
    },
    tick,
    deliver,
    at,
    runUntil,
    async close() {
      await app.close();
      await rt.close();
    },
  };
}

function recording(mailer: Mailer, handed: string[]): Mailer {
  return {
    describe: mailer.describe,
    parallelism: mailer.parallelism,
    send(message) {
      handed.push(message.messageId);
      return mailer.send(message);
    },
    close: () => mailer.close(),
  };
}

/** openClockRig for the enclosing describe block: every rig a test opens is closed after it. */
export function useClockRigs(): (o: ClockRigOptions) => Promise<ClockRig> {
  const open = new Set<ClockRig>();
  afterEach(async () => {
    for (const rig of [...open]) await rig.close();
  });
  return async (o) => {
    const rig = await openClockRig(o);
    const close = rig.close.bind(rig);
    rig.close = async () => {
      if (!open.delete(rig)) return;
      await close();
    };
    open.add(rig);
    return rig;
  };
}
