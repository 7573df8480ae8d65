/**
 * latency: the running daemon, an `after: 0` transactional rule, and events posted to the API
 * one at a time; each is timed from the request to the moment the sink has the thank-you.
 */
import type { Daemon } from '../../src/main.js';
import { startDaemon } from '../../src/main.js';
import { customerId, customers } from '../data.js';
import { API_TOKEN, openBenchRuntime } from '../runtime.js';
import { startSink, wallNow, type Receipt } from '../sink.js';
import { percentile, peakRssMb } from '../stats.js';
import type { ChildResult } from '../child.js';

const THANK_YOU_NOW = [
  { id: 'thank-you-now', on: { event: 'purchase', after: 0 }, template: 'thank-you', transactional: true },
];

export async function measureLatency(
  databaseUrl: string,
  population: number,
  events: number,
): Promise<ChildResult> {
  const waiting = new Map<string, (receipt: Receipt) => void>();
  const sink = await startSink((receipt) => {
    for (const to of receipt.to) waiting.get(to)?.(receipt);
  });
  const rt = await openBenchRuntime({
    databaseUrl,
    smtpUrl: sink.url,
    apiToken: true,
    config: { automations: THANK_YOU_NOW },
  });
  let daemon: Daemon | undefined;
  try {
    daemon = await startDaemon(rt);
    const samples: number[] = [];
    for (let i = 0; i < events + 10; i++) {
      const n = Math.floor(((i * 7919) % population) + 0.5) % population;
      const email = (customers(n, n + 1)[0] as { email: string }).email;
      const received = new Promise<Receipt>((resolve) => waiting.set(email, resolve));
      const start = wallNow();
      await post(daemon.httpUrl, {
        id: `lat-${i}`,
        customer_id: customerId(n),
        type: 'purchase',
        occurred_at: new Date().toISOString(),
      });
      const receipt = await withTimeout(received, 10_000, `no thank-you for event ${i}`);
      waiting.delete(email);
      if (i >= 10) samples.push(receipt.at - start); // the first ten warm up
    }
    samples.sort((a, b) => a - b);
    return {
      events,
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
      max: samples[samples.length - 1],
      peakRssMb: peakRssMb(),
    };
  } finally {
    await daemon?.stop();
    if (!daemon) await rt.close();
    await sink.close();
  }
}

async function post(base: string, event: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${base}/api/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  const body = (await res.json()) as { planned?: number };
  if (res.status !== 200 || body.planned !== 1)
    throw new Error(`POST /api/events: ${res.status} ${JSON.stringify(body)}`);
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]);
}
