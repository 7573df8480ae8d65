/**
 * The test run's Postgres: a throwaway cluster (bench/postgres.ts, shared with the bench), or
 * the server RAPPORT_TEST_POSTGRES_URL names.
 */
import { startThrowawayPostgres, type RunningPostgres } from '../../bench/postgres.js';

export type { RunningPostgres };

/** Returns null (with a notice) only when the Postgres binaries are missing; other failures throw. */
export async function startPostgres(): Promise<RunningPostgres | null> {
  const external = process.env.RAPPORT_TEST_POSTGRES_URL;
  if (external) return { url: external, stop: async () => {} };
  // Several test files and the crash harness's workers hold connections at once.
  const server = await startThrowawayPostgres({ prefix: 'rapport-pg-', settings: ['max_connections=200'] });
  if (!('unavailable' in server)) return server;
  if (server.unavailable === 'no-binaries') {
    console.warn(`${server.reason}: Postgres tests skipped`);
    return null;
  }
  throw new Error(server.reason);
}
