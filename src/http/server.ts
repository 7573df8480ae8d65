/**
 * The HTTP side, on node:http: a handful of routes, each small, with our own body limits and
 * exact control of one-click semantics — a framework would add more than it saves here.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { HttpError, sendJson, sendText } from './respond.js';
import { parseListen } from '../config/listen.js';
import { describeError } from '../errors.js';

export type Handler = (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void> | void;

export interface Route {
  methods: readonly string[];
  pattern: RegExp;
  handler: Handler;
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

export async function startHttpServer(
  listen: string,
  routes: readonly Route[],
  log: Logger,
  limits: HttpLimits = DEFAULT_HTTP_LIMITS,
): Promise<HttpServer> {
  const { headerTimeoutMs, bodyTimeoutMs, maxConnections } = limits;
  // node checks both timeouts only every connectionsCheckingInterval (30 s by default), so a
  // slow client would get up to 30 s more than configured: check often enough to keep them.
  const checkEvery = Math.max(50, Math.min(1_000, Math.floor(Math.min(headerTimeoutMs, bodyTimeoutMs) / 10)));
  const server = createServer(
    {
      headersTimeout: headerTimeoutMs,
      requestTimeout: bodyTimeoutMs,
      connectionsCheckingInterval: checkEvery,
    },
    (req, res) => {
      dispatch(routes, req, res, log).catch((error: unknown) => fail(req, res, error, log));
    },
  );
  server.keepAliveTimeout = 5_000;
  server.maxConnections = maxConnections;
  server.on('drop', () => {
    log.warn(
      { event: 'http.connection_refused', max_connections: maxConnections },
      'too many connections: one was closed',
    );
  });
  const parsed = parseListen(listen);
  // The configuration was checked at load; this is for callers that pass their own.
  if (!parsed) throw new Error(`"${listen}" is not host:port (a port up to 65535)`);
  const { host, port } = parsed;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${shownHost}:${address.port}`, close: () => closeServer(server) };
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

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Idle keep-alive sockets would hold close() open.
    server.closeIdleConnections();
  });
}
