/**
 * The HTTP server's limits over real sockets: the configured header and body timeouts are the
 * ones that apply (node would otherwise check them only every 30 s), and connections beyond
 * http.max_connections are closed as they come.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpLimits, type HttpServer, type Route } from '../../src/http/server.js';
import { readBody, sendJson } from '../../src/http/respond.js';
import { silentLogger } from '../../src/log.js';

const ROUTES: Route[] = [
  { methods: ['GET'], pattern: /^\/ping$/, handler: (_req, res) => sendJson(res, 200, { ok: true }) },
  {
    methods: ['POST'],
    pattern: /^\/echo$/,
    handler: async (req, res) => sendJson(res, 200, { length: (await readBody(req, 1_000_000)).length }),
  },
];

const servers: HttpServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(limits: Partial<HttpLimits>): Promise<{ port: number }> {
  const full: HttpLimits = {
    headerTimeoutMs: 15_000,
    bodyTimeoutMs: 30_000,
    maxConnections: 1000,
    ...limits,
  };
  const server = await startHttpServer('127.0.0.1:0', ROUTES, silentLogger, full);
  servers.push(server);
  return { port: Number(new URL(server.url).port) };
}

/** A raw connection; resolves once connected. */
interface Client {
  socket: Socket;
  received(): string;
  /** Resolves with the ms from connecting to the close. */
  ended: Promise<number>;
  write(text: string): void;
}

function open(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let text = '';
    const started = Date.now();
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('error', () => {});
    const ended = new Promise<number>((done) => socket.once('close', () => done(Date.now() - started)));
    const client: Client = { socket, received: () => text, ended, write: (t) => void socket.write(t) };
    socket.once('connect', () => resolve(client));
    socket.once('error', reject);
  });
}

describe('HTTP limits', () => {
  it('cuts off a client whose request head is incomplete after http.header_timeout', async () => {
    const { port } = await serve({ headerTimeoutMs: 400, bodyTimeoutMs: 5_000 });
    const slow = await open(port);
    slow.write('GET /ping HTTP/1.1\r\nHost: x\r\n');
    const after = await slow.ended;
    expect(after).toBeGreaterThanOrEqual(350);
    expect(after).toBeLessThan(3_000);
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('cuts off a client whose body is incomplete after http.body_timeout', async () => {
    const { port } = await serve({ headerTimeoutMs: 300, bodyTimeoutMs: 800 });
    const slow = await open(port);
    slow.write(
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
    );
    const after = await slow.ended;
    expect(after).toBeGreaterThanOrEqual(750);
    expect(after).toBeLessThan(3_500);
    // A prompt client is unaffected.
    const res = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: '{"a":1}' });
    expect(await res.json()).toEqual({ length: 7 });
  });

  it('closes connections beyond http.max_connections at once and serves the others', async () => {
    const { port } = await serve({ maxConnections: 2 });
    const first = await open(port);
    const second = await open(port);
    await new Promise((resolve) => setTimeout(resolve, 50)); // both accepted by the server
    const third = await open(port);
    const closedAfter = await third.ended;
    expect(closedAfter).toBeLessThan(1_000);
    expect(third.received()).toBe('');
    for (const s of [first, second]) {
      s.write('GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      await s.ended;
      expect(s.received()).toMatch(/^HTTP\/1\.1 200 /);
    }
    // Room again once they are gone.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await fetch(`http://127.0.0.1:${port}/ping`)).status).toBe(200);
  });
});
