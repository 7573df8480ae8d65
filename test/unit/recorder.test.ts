import { describe, expect, it } from 'vitest';
import { OutcomeRecorder } from '../../src/deliver/recorder.js';
import type { DeliveryOutcome } from '../../src/db/deliveries.js';

const sent = (id: number): DeliveryOutcome => ({ id, status: 'sent', messageId: `<${id}@x>`, sentAt: 0 });

/** Writes the test finishes by hand, and a timer it fires by hand. */
function harness(options: { maxRows?: number } = {}) {
  const writes: Array<{ ids: number[]; finish(): void; fail(e: Error): void }> = [];
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const write = (outcomes: DeliveryOutcome[]) =>
    new Promise<void>((resolve, reject) => {
      writes.push({ ids: outcomes.map((o) => o.id), finish: resolve, fail: reject });
    });
  const recorder = new OutcomeRecorder(write, {
    maxRows: options.maxRows ?? 3,
    maxDelayMs: 20,
    setTimer: (fn, ms) => timers.push({ fn, ms }),
  });
  return { writes, timers, recorder };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('OutcomeRecorder (group commit)', () => {
  it('writes what waits in one transaction after maxDelayMs', async () => {
    const { writes, timers, recorder } = harness();
    recorder.add(sent(1));
    recorder.add(sent(2));
    expect(writes).toHaveLength(0);
    expect(timers.map((t) => t.ms)).toEqual([20]);
    timers[0]?.fn();
    expect(writes.map((w) => w.ids)).toEqual([[1, 2]]);
    expect(recorder.unrecorded).toBe(2);
    writes[0]?.finish();
    await settle();
    expect(recorder.unrecorded).toBe(0);
  });

  it('writes at once when maxRows wait, and what came during a write right after it', async () => {
    const { writes, recorder } = harness();
    for (const id of [1, 2, 3]) recorder.add(sent(id));
    expect(writes.map((w) => w.ids)).toEqual([[1, 2, 3]]);
    recorder.add(sent(4));
    expect(writes).toHaveLength(1);
    writes[0]?.finish();
    await settle();
    expect(writes.map((w) => w.ids)).toEqual([[1, 2, 3], [4]]);
  });

  it('room() holds a sender while too many outcomes are unrecorded, and starts the write itself', async () => {
    const { writes, recorder } = harness({ maxRows: 10 });
    recorder.add(sent(1));
    recorder.add(sent(2));
    let free = false;
    void recorder.room(2).then(() => (free = true));
    await settle();
    expect(writes.map((w) => w.ids)).toEqual([[1, 2]]);
    expect(free).toBe(false);
    writes[0]?.finish();
    await settle();
    expect(free).toBe(true);
    await recorder.room(1); // nothing unrecorded: at once
  });

  it('a failed write keeps its outcomes in order, frees waiting senders, and flush writes them later', async () => {
    const { writes, recorder } = harness();
    for (const id of [1, 2, 3]) recorder.add(sent(id));
    const waiting = recorder.room(1);
    recorder.add(sent(4));
    writes[0]?.fail(new Error('database or disk is full'));
    await waiting;
    expect(recorder.failed).toBe('database or disk is full');
    expect(recorder.size).toBe(4);
    recorder.add(sent(5)); // nothing is written until flush
    expect(writes).toHaveLength(1);
    const flushed = recorder.flush();
    expect(writes[1]?.ids).toEqual([1, 2, 3, 4, 5]);
    writes[1]?.finish();
    await flushed;
    expect(recorder.failed).toBeNull();
    expect(recorder.unrecorded).toBe(0);
  });

  it('flush throws while the database refuses', async () => {
    const recorder = new OutcomeRecorder(() => Promise.reject(new Error('read-only')));
    recorder.add(sent(1));
    await expect(recorder.flush()).rejects.toThrow('read-only');
    expect(recorder.size).toBe(1);
  });
});
