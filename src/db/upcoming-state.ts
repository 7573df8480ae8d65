/**
 * The stored forecast's state row: which generation the page reads, when and by whom it was
 * built, a refresh someone asked for, and the builder's lease. The lease is taken and renewed
 * by a conditional UPDATE of that one row, as deliveries are claimed: the database says who
 * won, so several workers on Postgres build one at a time, and a builder that died frees it
 * when its lease runs out.
 */
import type { Knex } from 'knex';
import { numOrNull, num, rowOf, strOrNull } from './read.js';

export interface UpcomingState {
  generation: number | null;
  computedAt: number | null;
  computedBy: string | null;
  horizonTo: number | null;
  revision: number | null;
  buildMs: number | null;
  requestedAt: number | null;
  requestedBy: string | null;
  leaseOwner: string | null;
  leaseUntil: number | null;
}

export async function readUpcomingState(knex: Knex): Promise<UpcomingState> {
  const r = rowOf(await knex('upcoming_state').where('id', 1).first()) ?? {};
  const num = (column: string) => numOrNull(r, column);
  const str = (column: string) => strOrNull(r, column);
  return {
    generation: num('generation'),
    computedAt: num('computed_at'),
    computedBy: str('computed_by'),
    horizonTo: num('horizon_to'),
    revision: num('revision'),
    buildMs: num('build_ms'),
    requestedAt: num('requested_at'),
    requestedBy: str('requested_by'),
    leaseOwner: str('lease_owner'),
    leaseUntil: num('lease_until'),
  };
}

/**
 * Takes (or renews) the builder's lease until `now + ms`; false when another owner holds it
 * and it has not run out. A renewal that returns false means the lease was lost: stop.
 */
export async function takeUpcomingLease(
  knex: Knex,
  owner: string,
  now: number,
  ms: number,
): Promise<boolean> {
  const n = await knex('upcoming_state')
    .where('id', 1)
    .where((w) => {
      void w.whereNull('lease_until').orWhere('lease_until', '<=', now).orWhere('lease_owner', owner);
    })
    .update({ lease_owner: owner, lease_until: now + ms });
  return n === 1;
}

export async function releaseUpcomingLease(knex: Knex, owner: string): Promise<void> {
  await knex('upcoming_state')
    .where({ id: 1, lease_owner: owner })
    .update({ lease_owner: null, lease_until: null });
}

/** A new generation number for a build (only the lease holder asks). */
export async function nextGeneration(knex: Knex, owner: string): Promise<number> {
  return knex.transaction(async (trx) => {
    const n = await trx('upcoming_state')
      .where({ id: 1, lease_owner: owner })
      .update({ last_generation: trx.raw('last_generation + 1') });
    if (n !== 1) throw new LeaseLost();
    const row = rowOf(await trx('upcoming_state').where('id', 1).first('last_generation'));
    if (!row) throw new LeaseLost();
    return num(row, 'last_generation');
  });
}

export interface Published {
  generation: number;
  computedAt: number;
  computedBy: string;
  horizonTo: number;
  revision: number;
  buildMs: number;
}

/** Makes `p.generation` the one the page reads, in `trx` with its counts; only while holding the lease. */
export async function publishGeneration(trx: Knex.Transaction, owner: string, p: Published): Promise<void> {
  const n = await trx('upcoming_state').where({ id: 1, lease_owner: owner }).update({
    generation: p.generation,
    computed_at: p.computedAt,
    computed_by: p.computedBy,
    horizon_to: p.horizonTo,
    revision: p.revision,
    build_ms: p.buildMs,
  });
  if (n !== 1) throw new LeaseLost();
}

/** Someone asked for a fresh forecast: the next worker to look builds one. */
export async function requestUpcomingRefresh(knex: Knex, who: string, now: number): Promise<void> {
  await knex('upcoming_state').where('id', 1).update({ requested_at: now, requested_by: who });
}

/** The lease ran out or was taken over while building: the build is abandoned, nothing published. */
export class LeaseLost extends Error {
  constructor() {
    super('the upcoming forecast lease was lost (another worker took it over)');
    this.name = 'LeaseLost';
  }
}
