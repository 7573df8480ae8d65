/**
 * The HTTP server: fastify on a node:http server we create ourselves, so the http.* limits
 * apply exactly as configured. The public routes run from their table (route-table.ts); other
 * parts (the staff console) plug in as fastify plugins under a prefix, each free to set its
 * own not-found and error handlers in its scope.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyError, type FastifyPluginAsync } from 'fastify';
import type { Logger } from '../log.js';
import { parseListen } from '../config/listen.js';
import { describeError } from '../errors.js';
import { sendJson } from './respond.js';
import { routeTable, serveFromTable, type Route } from './route-table.js';

export type { Handler, Route } from './route-table.js';

/** A fastify plugin served under `prefix` (e.g. `/console`), in its own encapsulated scope. */
export interface HttpPlugin {
  prefix: string;
  plugin: FastifyPluginAsync;
}

/** What the server serves: the route table, and plugins under their prefixes. */
export interface HttpSetup {
  routes: readonly Route[];
  plugins?: readonly HttpPlugin[];
}

/** Limits on what clients may hold open (http.* in the config). */
export interface HttpLimits {
  /** The whole request head must arrive within this (ms): http.header_timeout. */
  headerTimeoutMs: number;
  /** The whole request, body included, must arrive within this (ms): http.body_timeout. */
  bodyTimeoutMs: number;
  /** Connections open at once; more are closed as they come: http.max_connections. */
  maxConnections: number;
}

const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headerTimeoutMs: 15_000,
  bodyTimeoutMs: 30_000,
  maxConnections: 1000,
};

export interface HttpServer {
  /** `http://host:port` actually bound (port 0 resolved). */
  url: string;
  close(): Promise<void>;
}

/** `setup` may be just the route table. */
export async function startHttpServer(
  listen: string,
  setup: HttpSetup | readonly Route[],
  log: Logger,
  limits: HttpLimits = DEFAULT_HTTP_LIMITS,
): Promise<HttpServer> {
  const parsed = parseListen(listen);
  // The configuration was checked at load; this is for callers that pass their own.
  if (!parsed) throw new Error(`"${listen}" is not host:port (a port up to 65535)`);
  const { routes, plugins = [] } = isRouteList(setup) ? { routes: setup } : setup;
  const server = createNodeServer(limits, log);
  const app = Fastify({
    // Our own server; fastify's request logs stay off (each part logs its own named events).
    serverFactory: (handler) => server.on('request', handler),
    logger: false,
    // A malformed %-escape: the table answers it (its token routes give their usual page).
    frameworkErrors: (error, request, reply) => {
      reply.hijack();
      if (error.code === 'FST_ERR_BAD_URL') void serveFromTable(routes, request.raw, reply.raw, log);
      else sendJson(reply.raw, error.statusCode ?? 400, { error: error.message });
    },
  });
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status < 500) return reply.code(status).send({ error: error.message });
    log.error({ event: 'http.error', error: describeError(error) }, 'request failed');
    return reply.code(500).type('text/plain; charset=utf-8').send('internal error\n');
  });
  for (const { prefix, plugin } of plugins) await app.register(plugin, { prefix });
  await app.register(routeTable(routes, log));
  await app.ready();
  try {
    await listenOn(server, parsed.host, parsed.port);
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: async () => {
      // In-flight requests finish first; then the plugins' onClose hooks run.
      await closeServer(server);
      await app.close();
    },
  };
}

function isRouteList(setup: HttpSetup | readonly Route[]): setup is readonly Route[] {
  return Array.isArray(setup);
}

function createNodeServer(limits: HttpLimits, log: Logger): Server {
  const { headerTimeoutMs, bodyTimeoutMs, maxConnections } = limits;
  // node checks both timeouts only every connectionsCheckingInterval (30 s by default), so a
  // slow client would get up to 30 s more than configured: check often enough to keep them.
  const checkEvery = Math.max(50, Math.min(1_000, Math.floor(Math.min(headerTimeoutMs, bodyTimeoutMs) / 10)));
  const server = createServer({
    headersTimeout: headerTimeoutMs,
    requestTimeout: bodyTimeoutMs,
    connectionsCheckingInterval: checkEvery,
  });
  server.keepAliveTimeout = 5_000;
  server.maxConnections = maxConnections;
  server.on('drop', () => {
    log.warn(
      { event: 'http.connection_refused', max_connections: maxConnections },
      'too many connections: one was closed',
    );
  });
  return server;
}

function listenOn(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Idle keep-alive sockets would hold close() open.
    server.closeIdleConnections();
  });
}
