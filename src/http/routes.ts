/** The route table: which path and method go where. */
import type { DbRuntime } from '../runtime.js';
import { handleHealthz, handleMetrics, handleReadyz, type WorkerHealth } from './health.js';
import type { HttpPlugin, Route } from './server.js';
import { CONSOLE_ASSETS_PREFIX, consoleAssetsPlugin, loadConsoleAssets } from './console-assets.js';
import { handleUnsubscribe } from './unsubscribe.js';
import { handleFeed } from './feed.js';
import { createFeedCache } from '../feed/service.js';
import { handleApi } from './api.js';
import { IMPORT_KINDS } from '../import/types.js';
import { oneOf } from '../choice.js';
import { handleSurvey } from './survey.js';
import { feedbackMetrics } from '../surveys/feedback.js';
import { handleBounceHook, type BounceHookDeps, RELAYS } from './bounce-hooks.js';
import { bounceDeps } from '../bounces/service.js';
import { loadSnsCertificates } from '../bounces/hooks/sns.js';
import { handleShopHook, SHOPS } from '../hooks/shop-hooks.js';
import { handleInboundHook } from '../hooks/inbound.js';
import { serveHook } from './hooks.js';
import { consolePlugin } from '../console/plugin.js';
import { CONSOLE_PAGES } from '../console/pages.js';

export interface RouteDeps {
  rt: DbRuntime;
  health: WorkerHealth;
  /** Hint the delivery loop that new work may be due. */
  wake: () => void;
}

export function buildRoutes({ rt, health, wake }: RouteDeps): Route[] {
  const apiDeps = { rt, token: rt.loaded.secrets.apiToken, wake };
  const healthDeps = {
    db: rt.db,
    worker: health,
    now: rt.now,
    moreMetrics: () => feedbackMetrics(rt.db.knex, rt.config),
  };
  const feeds = createFeedCache(rt);
  const webhooks = rt.config.bounces.webhooks;
  const bounceHookDeps: BounceHookDeps = {
    bounces: bounceDeps(rt),
    webhooks,
    snsCertificates: loadSnsCertificates(webhooks.ses?.certificates ?? []),
    log: rt.log,
  };
  const consentDeps = { db: rt.db, config: rt.config, signingKey: rt.signingKey, log: rt.log, now: rt.now };
  const surveyDeps = { ...consentDeps, wake };
  const shopHookDeps = { db: rt.db, config: rt.config, now: rt.now, wake, log: rt.log };
  return [
    {
      methods: ['POST'],
      pattern: /^\/hooks\/(shopify|woocommerce|square|stripe)$/,
      handler: (req, res, [shop]) =>
        serveHook(req, res, (h, body) => handleShopHook(shopHookDeps, oneOf(SHOPS, shop, 'shop'), h, body)),
    },
    {
      methods: ['POST'],
      pattern: /^\/hooks\/in\/([a-z0-9][a-z0-9_-]{0,62})$/,
      handler: (req, res, [name = '']) =>
        serveHook(req, res, (h, body) => handleInboundHook(shopHookDeps, name, h, body)),
    },
    { methods: ['GET', 'HEAD'], pattern: /^\/healthz$/, handler: handleHealthz },
    {
      methods: ['GET', 'HEAD'],
      pattern: /^\/readyz$/,
      handler: (req, res) => handleReadyz(healthDeps, req, res),
    },
    { methods: ['GET'], pattern: /^\/metrics$/, handler: (req, res) => handleMetrics(healthDeps, req, res) },
    {
      methods: ['GET', 'HEAD'],
      pattern: /^\/feed\.xml$/,
      handler: (req, res) => handleFeed(feeds, req, res),
    },
    {
      methods: ['GET', 'HEAD'],
      pattern: /^\/feed\/([^/]{1,256})\.xml$/,
      handler: (req, res, [tag]) => handleFeed(feeds, req, res, tag),
    },
    {
      methods: ['GET', 'HEAD', 'POST'],
      // Any segment: a malformed token must get the same 404 page as a forged one.
      pattern: /^\/u\/([^/]+)$/,
      handler: (req, res, [token = '']) => handleUnsubscribe(consentDeps, req, res, token),
    },
    {
      methods: ['GET', 'HEAD', 'POST'],
      // Any segment: a malformed token gets the same clear 400 page as a forged one.
      pattern: /^\/s\/([^/]+)$/,
      handler: (req, res, [token = '']) => handleSurvey(surveyDeps, req, res, token),
    },
    {
      methods: ['POST'],
      pattern: /^\/api\/(customers|events|content)$/,
      handler: (req, res, [kind]) => handleApi(apiDeps, req, res, oneOf(IMPORT_KINDS, kind, 'kind')),
    },
    {
      methods: ['POST'],
      pattern: /^\/hooks\/bounces\/(ses|postmark|mailgun)$/,
      handler: (req, res, [relay]) =>
        handleBounceHook(bounceHookDeps, req, res, oneOf(RELAYS, relay, 'relay')),
    },
  ];
}

/** fastify plugins, each under its own prefix: the console's built files. */
export function buildPlugins({ rt }: Pick<RouteDeps, 'rt'>): HttpPlugin[] {
  const assets = loadConsoleAssets(rt.log);
  const deps = {
    db: rt.db,
    config: rt.config,
    log: rt.log,
    now: rt.now,
    publicUrl: rt.config.http.public_url,
    rt,
  };
  return [
    { prefix: CONSOLE_ASSETS_PREFIX, plugin: consoleAssetsPlugin(assets) },
    // The console registers its own /console prefix (its routes are written relative to it).
    { prefix: '', plugin: (app) => consolePlugin(app, deps, CONSOLE_PAGES) },
  ];
}
