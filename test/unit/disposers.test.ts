import { describe, expect, it } from 'vitest';
import { Disposers } from '../../src/disposers.js';

describe('Disposers', () => {
  it('closes newest first, once, however often close is called', async () => {
    const order: string[] = [];
    const d = new Disposers();
    d.add(() => order.push('database'));
    d.add(async () => {
      await Promise.resolve();
      order.push('mailer');
    });
    d.add(() => order.push('loop'));
    await Promise.all([d.close(), d.close()]);
    await d.close();
    expect(order).toEqual(['loop', 'mailer', 'database']);
  });

  it('still closes the older parts when one throws, then throws the first error', async () => {
    const order: string[] = [];
    const d = new Disposers();
    d.add(() => order.push('database'));
    d.add(() => {
      throw new Error('smtp close failed');
    });
    d.add(() => {
      throw new Error('http close failed');
    });
    await expect(d.close()).rejects.toThrow('http close failed');
    expect(order).toEqual(['database']);
  });

  it('refuses a part registered while closing', async () => {
    const d = new Disposers();
    await d.close();
    expect(() => d.add(() => {})).toThrow(/closing/);
  });
});
