/**
 * The HTTP side for integration tests: the real routes and server on 127.0.0.1:0 over a test
 * runtime, with a WorkerHealth the test controls (no scheduler or delivery loop runs).
 */
import { Histogram, type WorkerHealth } from '../../src/http/health.js';
import { buildRoutes } from '../../src/http/routes.js';
import { startHttpServer } from '../../src/http/server.js';
import { signToken, type LinkToken } from '../../src/links/tokens.js';
import type { DbRuntime } from '../../src/runtime.js';

/** The key openTestRuntime signs links with. */
export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789';

/** A WorkerHealth whose answers the test sets. */
export interface FakeWorkerHealth extends WorkerHealth {
  lastTick: number | null;
  staleAfterMs: number;
  breaker: boolean;
  error: string | null;
}

export function fakeWorkerHealth(now: number): FakeWorkerHealth {
  return {
    lastTick: now,
    staleAfterMs: 3 * 60_000,
    breaker: false,
    error: null,
    startedAt: now,
    sendLatency: new Histogram([0.1, 1, 10]),
    lastTickAt() {
      return this.lastTick;
    },
    tickStaleAfterMs() {
      return this.staleAfterMs;
    },
    sendingPaused() {
      return this.breaker ? 'the mail relay keeps failing: connect ECONNREFUSED' : null;
    },
    deliveryError() {
      return this.error;
    },
  };
}

export interface TestHttp {
  /** `http://127.0.0.1:PORT` */
  url: string;
  health: FakeWorkerHealth;
  /** How often the routes hinted the delivery loop. */
  wakes: number;
  close(): Promise<void>;
}

/**
 * Serve `rt`'s routes on an ephemeral port. `apiToken` stands in for RAPPORT_API_TOKEN
 * (undefined: the API is disabled, as when the variable is unset).
 */
export async function startTestHttp(rt: DbRuntime, options: { apiToken?: string } = {}): Promise<TestHttp> {
  const secrets = { ...rt.loaded.secrets, apiToken: options.apiToken };
  const withToken: DbRuntime = { ...rt, loaded: { ...rt.loaded, secrets } };
  const health = fakeWorkerHealth(rt.now());
  const state = { wakes: 0 };
  const server = await startHttpServer(
    '127.0.0.1:0',
    buildRoutes({ rt: withToken, health, wake: () => void state.wakes++ }),
    rt.log,
  );
  return {
    url: server.url,
    health,
    get wakes() {
      return state.wakes;
    },
    close: () => server.close(),
  };
}

/** A link token for `customerId`, issued at `issuedAt` (ms), signed with `key`. */
export function linkToken(
  customerId: string,
  scope: LinkToken['s'],
  issuedAt: number,
  key = TEST_SECRET,
): string {
  return signToken(key, { c: customerId, s: scope, t: Math.floor(issuedAt / 1000) });
}
