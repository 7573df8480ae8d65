/**
 * vitest globalSetup: one throwaway Postgres cluster per run, shared by all test files through
 * `inject('postgresUrl')` (null when the Postgres binaries are not installed).
 */
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's Postgres server, or null when Postgres tests are skipped. */
    postgresUrl: string | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await startPostgres();
  project.provide('postgresUrl', postgres?.url ?? null);
  return async () => {
    await postgres?.stop();
  };
}
