/** The route table: which path and method go where. */
import type { DbRuntime } from '../runtime.js';
import { handleHealthz, handleMetrics, handleReadyz, type WorkerHealth } from './health.js';
import type { Route } from './server.js';
import { handleUnsubscribe } from './unsubscribe.js';

export interface RouteDeps {
  rt: DbRuntime;
  health: WorkerHealth;
  /** Hint the delivery loop that new work may be due. */
  wake(): void;
}

export function buildRoutes({ rt, health }: RouteDeps): Route[] {
  const healthDeps = { db: rt.db, worker: health, now: rt.now };
  const consentDeps = { db: rt.db, config: rt.config, signingKey: rt.signingKey, log: rt.log, now: rt.now };
  return [
    { methods: ['GET', 'HEAD'], pattern: /^\/healthz$/, handler: handleHealthz },
    { methods: ['GET', 'HEAD'], pattern: /^\/readyz$/, handler: (req, res) => handleReadyz(healthDeps, req, res) },
    { methods: ['GET'], pattern: /^\/metrics$/, handler: (req, res) => handleMetrics(healthDeps, req, res) },
    {
      methods: ['GET', 'HEAD', 'POST'],
      pattern: /^\/u\/([A-Za-z0-9_.-]{1,1024})$/,
      handler: (req, res, [token]) => handleUnsubscribe(consentDeps, req, res, token as string),
    },
  ];
}
