/**
 * Plugins beside the route table: a fastify plugin under a prefix gets fastify's body parsing,
 * its own not-found answer and onClose; the table keeps everything else, including raw bodies
 * of any Content-Type and paths that merely start like a plugin's prefix.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyPluginAsync } from 'fastify';
import { startHttpServer, type HttpServer, type Route } from '../../src/http/server.js';
import { readBody, sendJson } from '../../src/http/respond.js';
import type { Logger } from '../../src/log.js';

const ROUTES: Route[] = [
  { methods: ['GET'], pattern: /^\/ping$/, handler: (_req, res) => sendJson(res, 200, { ok: true }) },
  {
    methods: ['POST'],
    pattern: /^\/echo$/,
    handler: async (req, res) => sendJson(res, 200, { body: await readBody(req, 100) }),
  },
];

function recordingLogger(): Logger & { events: string[] } {
  const events: string[] = [];
  const keep = (obj: object) => void events.push(String((obj as { event?: unknown }).event));
  return { events, debug: keep, info: keep, warn: keep, error: keep };
}

const servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function staffPlugin(closed: string[]): FastifyPluginAsync {
  return async (app) => {
    app.get('/', async () => ({ page: 'home' }));
    app.post('/things', async (request) => ({ got: request.body }));
    app.get('/broken', async () => {
      throw new Error('database went away');
    });
    app.setNotFoundHandler((_request, reply) =>
      reply.code(404).type('text/html').send('<h1>No such page</h1>'),
    );
    app.addHook('onClose', async () => void closed.push('staff'));
  };
}

async function serve(log: Logger, closed: string[] = []): Promise<HttpServer> {
  const server = await startHttpServer(
    '127.0.0.1:0',
    { routes: ROUTES, plugins: [{ prefix: '/staff', plugin: staffPlugin(closed) }] },
    log,
  );
  servers.push(server);
  return server;
}

describe('HTTP plugins', () => {
  it('serves a plugin under its prefix with fastify parsing its JSON body', async () => {
    const { url } = await serve(recordingLogger());
    expect(await (await fetch(`${url}/staff/`)).json()).toEqual({ page: 'home' });
    const posted = await fetch(`${url}/staff/things`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ a: 1 }),
    });
    expect(await posted.json()).toEqual({ got: { a: 1 } });
  });

  it("answers an unknown path under the prefix with the plugin's own not-found page", async () => {
    const { url } = await serve(recordingLogger());
    for (const path of ['/staff/nothing-here', '/staff/a/b/c']) {
      const res = await fetch(url + path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toBe('<h1>No such page</h1>');
    }
  });

  it('leaves the table its paths, raw bodies and JSON 404, even next to a prefix', async () => {
    const { url } = await serve(recordingLogger());
    expect(await (await fetch(`${url}/ping`)).json()).toEqual({ ok: true });
    // Not a valid media type for fastify, which would answer 415: the table reads it as it is.
    const echoed = await fetch(`${url}/echo`, {
      method: 'POST',
      headers: { 'Content-Type': 'text' },
      body: '{"x"',
    });
    expect(await echoed.json()).toEqual({ body: '{"x"' });
    const outside = await fetch(`${url}/staffroom`);
    expect(outside.status).toBe(404);
    expect(await outside.json()).toEqual({ error: 'not found' });
  });

  it('logs a failing plugin route as http.error and answers 500 without details', async () => {
    const log = recordingLogger();
    const { url } = await serve(log);
    const res = await fetch(`${url}/staff/broken`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('internal error\n');
    expect(log.events).toContain('http.error');
  });

  it("runs the plugins' onClose hooks when the server closes", async () => {
    const closed: string[] = [];
    const server = await serve(recordingLogger(), closed);
    await server.close();
    expect(closed).toEqual(['staff']);
  });
});
