/**
 * The public routes (feed, links in mail, health, API, hooks) as a table of path patterns, each
 * handler answering on node's own request and response: they read bodies themselves, with
 * their own limits, and control one-click semantics exactly.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from '../log.js';
import { HttpError, sendJson, sendText } from './respond.js';
import { describeError } from '../errors.js';

export type Handler = (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void> | void;

export interface Route {
  methods: readonly string[];
  pattern: RegExp;
  handler: Handler;
}

/**
 * The table as the fastify scope for every path that no plugin claims. It answers in
 * onRequest, before fastify checks a Content-Type or reads a body.
 */
export function routeTable(routes: readonly Route[], log: Logger): FastifyPluginAsync {
  return (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      reply.hijack();
      await serveFromTable(routes, request.raw, reply.raw, log);
    });
    // Being the not-found handler is what sends unclaimed paths (and their onRequest hook
    // above) here; the hook has always answered before fastify would call this.
    scope.setNotFoundHandler(async (request, reply) => {
      reply.hijack();
      await serveFromTable(routes, request.raw, reply.raw, log);
    });
    return Promise.resolve();
  };
}

/** Answer one request from the table; a handler's failure becomes its JSON or 500 answer. */
export async function serveFromTable(
  routes: readonly Route[],
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
): Promise<void> {
  try {
    await dispatch(routes, req, res, log);
  } catch (error) {
    fail(req, res, error, log);
  }
}

async function dispatch(
  routes: readonly Route[],
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  let pathMatched = false;
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (!route.methods.includes(req.method ?? 'GET')) continue;
    await route.handler(req, res, m.slice(1));
    return;
  }
  if (pathMatched) {
    res.setHeader(
      'Allow',
      [...new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods))].join(', '),
    );
    return sendJson(res, 405, { error: 'method not allowed' });
  }
  log.debug({ event: 'http.not_found', path }, 'not found');
  sendJson(res, 404, { error: 'not found' });
}

function fail(req: IncomingMessage, res: ServerResponse, error: unknown, log: Logger): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A body we refused part-way (413) would otherwise keep the connection busy: node would read
  // and discard the rest, and close() would wait for it. Answer, then hang up.
  if (!req.complete) res.setHeader('Connection', 'close');
  if (error instanceof HttpError) {
    sendJson(res, error.status, {
      error: error.message,
      ...(error.details.length ? { errors: error.details } : {}),
    });
    return;
  }
  log.error({ event: 'http.error', error: describeError(error) }, 'request failed');
  sendText(res, 500, 'internal error\n');
}
