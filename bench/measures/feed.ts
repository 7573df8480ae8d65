/**
 * feed: GET /feed.xml from the running daemon, with and without If-None-Match, from a load
 * generator in another process. Skipped, with a note, when the route is not there.
 */
import { startDaemon, type Daemon } from '../../src/main.js';
import { SCRIPT, type ChildResult } from '../child.js';
import { loadFromChild } from '../loadgen.js';
import { openBenchRuntime } from '../runtime.js';

const CONCURRENCY = 32;

export async function measureFeed(databaseUrl: string, seconds: number): Promise<ChildResult> {
  // No automations: the worker stays idle, and only the feed is measured.
  const rt = await openBenchRuntime({ databaseUrl, config: { automations: [] } });
  let daemon: Daemon | undefined;
  try {
    daemon = await startDaemon(rt);
    const url = `${daemon.httpUrl}/feed.xml`;
    const probe = await fetch(url);
    const body = await probe.text();
    const etag = probe.headers.get('etag');
    if (probe.status === 404) return { skipped: 'feed route not available (GET /feed.xml answered 404)' };
    if (probe.status !== 200 || !etag) throw new Error(`GET /feed.xml: ${probe.status}, ETag ${etag}`);
    const load = (headers: Record<string, string>, s = seconds) =>
      loadFromChild(SCRIPT, { url, seconds: s, concurrency: CONCURRENCY, headers });
    await load({}, 0.5); // warm-up: JIT, keep-alive sockets, the feed cache
    const full = await load({});
    const conditional = await load({ 'if-none-match': etag });
    if (Object.keys(full.statuses).join() !== '200' || Object.keys(conditional.statuses).join() !== '304') {
      throw new Error(`unexpected statuses: ${JSON.stringify([full.statuses, conditional.statuses])}`);
    }
    return {
      bodyBytes: Buffer.byteLength(body),
      full: full.perSec,
      conditional: conditional.perSec,
      concurrency: CONCURRENCY,
    };
  } finally {
    await daemon?.stop();
    if (!daemon) await rt.close();
  }
}
