import { describe, expect, it } from 'vitest';
import { isLockConflict, retryOnLockConflict } from '../../src/db/retry.js';

const sqliteBusy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
const pgDeadlock = () => Object.assign(new Error('deadlock detected'), { code: '40P01' });

describe('retryOnLockConflict', () => {
  it('tells lock conflicts from other errors', () => {
    expect(isLockConflict(sqliteBusy())).toBe(true);
    expect(isLockConflict(Object.assign(new Error('x'), { code: 'SQLITE_BUSY_SNAPSHOT' }))).toBe(true);
    expect(isLockConflict(new Error('update `deliveries` … - database is locked'))).toBe(true);
    expect(isLockConflict(pgDeadlock())).toBe(true);
    expect(
      isLockConflict(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })),
    ).toBe(false);
    expect(isLockConflict(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isLockConflict('database is locked')).toBe(false);
  });

  it('tries again after a lock conflict, a bounded number of times', async () => {
    let calls = 0;
    const flaky = async () => {
      calls++;
      if (calls < 3) throw sqliteBusy();
      return 'done';
    };
    expect(await retryOnLockConflict(flaky, { delayMs: 1 })).toBe('done');
    expect(calls).toBe(3);

    calls = 0;
    const alwaysBusy = async () => {
      calls++;
      throw pgDeadlock();
    };
    await expect(retryOnLockConflict(alwaysBusy, { attempts: 3, delayMs: 1 })).rejects.toThrow(
      'deadlock detected',
    );
    expect(calls).toBe(3);
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    const full = async () => {
      calls++;
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    };
    await expect(retryOnLockConflict(full, { delayMs: 1 })).rejects.toThrow('disk is full');
    expect(calls).toBe(1);
  });
});
