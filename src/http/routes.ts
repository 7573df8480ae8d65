/** The route table: which path and method go where. */
import type { DbRuntime } from '../runtime.js';
import { handleHealthz, handleMetrics, handleReadyz, type WorkerHealth } from './health.js';
import type { Route } from './server.js';
import { handleUnsubscribe } from './unsubscribe.js';
import { handleFeed } from './feed.js';
import { createFeedCache } from '../feed/service.js';
import { handleApi } from './api.js';
import type { ImportKind } from '../import/types.js';
import { handleShopHook, type Shop } from '../hooks/shop-hooks.js';
import { handleInboundHook } from '../hooks/inbound.js';
import { serveHook } from './hooks.js';

export interface RouteDeps {
  rt: DbRuntime;
  health: WorkerHealth;
  /** Hint the delivery loop that new work may be due. */
  wake(): void;
}

export function buildRoutes({ rt, health, wake }: RouteDeps): Route[] {
  const apiDeps = { rt, token: rt.loaded.secrets.apiToken, wake };
  const healthDeps = { db: rt.db, worker: health, now: rt.now };
  const feeds = createFeedCache(rt);
  const consentDeps = { db: rt.db, config: rt.config, signingKey: rt.signingKey, log: rt.log, now: rt.now };
  const hookDeps = { db: rt.db, config: rt.config, now: rt.now, wake, log: rt.log };
  return [
    {
      methods: ['POST'],
      pattern: /^\/hooks\/(shopify|woocommerce|square|stripe)$/,
      handler: (req, res, [shop]) => serveHook(req, res, (h, body) => handleShopHook(hookDeps, shop as Shop, h, body)),
    },
    {
      methods: ['POST'],
      pattern: /^\/hooks\/in\/([a-z0-9][a-z0-9_-]{0,62})$/,
      handler: (req, res, [name]) => serveHook(req, res, (h, body) => handleInboundHook(hookDeps, name as string, h, body)),
    },
    { methods: ['GET', 'HEAD'], pattern: /^\/healthz$/, handler: handleHealthz },
    { methods: ['GET', 'HEAD'], pattern: /^\/readyz$/, handler: (req, res) => handleReadyz(healthDeps, req, res) },
    { methods: ['GET'], pattern: /^\/metrics$/, handler: (req, res) => handleMetrics(healthDeps, req, res) },
    { methods: ['GET', 'HEAD'], pattern: /^\/feed\.xml$/, handler: (req, res) => handleFeed(feeds, req, res) },
    {
      methods: ['GET', 'HEAD'],
      pattern: /^\/feed\/([^/]{1,256})\.xml$/,
      handler: (req, res, [tag]) => handleFeed(feeds, req, res, tag as string),
    },
    {
      methods: ['GET', 'HEAD', 'POST'],
      // Any segment: a malformed token must get the same 404 page as a forged one.
      pattern: /^\/u\/([^/]+)$/,
      handler: (req, res, [token]) => handleUnsubscribe(consentDeps, req, res, token as string),
    },
    {
      methods: ['POST'],
      pattern: /^\/api\/(customers|events|content)$/,
      handler: (req, res, [kind]) => handleApi(apiDeps, req, res, kind as ImportKind),
    },
  ];
}
