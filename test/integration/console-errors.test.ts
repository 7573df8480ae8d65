/**
 * What staff see when a console request fails: an AppError's own words (they are written for
 * people), and for anything else a page that leaks no internals while the log keeps the cause.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { ConsolePage } from '../../src/console/plugin.js';
import { database } from '../support/databases.js';
import { seedUser, session, startTestConsole, type TestConsole } from '../support/console.js';

/** The console under test, for a page that queries its database. */
let current: TestConsole | undefined;

const failing: ConsolePage = {
  name: 'failing',
  register(scope) {
    scope.get('/refused', async () => {
      throw new AppError('E_TEST_REFUSED', 'the tag "vip " has a trailing space', ['line 3: tags']);
    });
    scope.get('/query', async () => {
      await current?.db.knex('no_such_table').where({ email: 'ann@example.com' }).select('*');
      return 'unreachable';
    });
    scope.get('/broken', async () => {
      throw new Error('insert into "deliveries" ... SQLITE_CONSTRAINT secret internals');
    });
  },
};

describe('console failures', () => {
  const url = database('sqlite').fresh('test');
  let c: TestConsole;
  beforeEach(async () => {
    c = await startTestConsole(url(), { pages: [failing] });
    current = c;
    await seedUser(c, 'ed@example.com', 'editor');
  });
  afterEach(async () => c.close());

  it('an AppError is shown with its message and details, as a page and as JSON', async () => {
    const s = await session(c, 'ed@example.com');
    const res = await s.get('/console/refused');
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('the tag &#34;vip &#34; has a trailing space');
    expect(res.body).toContain('line 3: tags');
    const json = await c.app.inject({
      method: 'GET',
      url: '/console/refused',
      headers: { cookie: s.cookie, accept: 'application/json' },
    });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toEqual({
      error: {
        code: 'E_TEST_REFUSED',
        message: 'the tag "vip " has a trailing space',
        details: ['line 3: tags'],
      },
    });
  });

  it('any other failure is a 500 page that shows no internals', async () => {
    const s = await session(c, 'ed@example.com');
    const res = await s.get('/console/broken');
    expect(res.statusCode).toBe(500);
    expect(res.body).toContain('could not finish this request');
    expect(res.body).not.toContain('SQLITE_CONSTRAINT');
  });

  it('a failed query shows neither its SQL nor the values in it', async () => {
    const s = await session(c, 'ed@example.com');
    const res = await s.get('/console/query');
    expect(res.statusCode).toBe(500);
    expect(res.body).toContain('could not finish this request');
    expect(res.body).not.toMatch(/select \*|no_such_table|ann@example\.com/i);
  });
});
