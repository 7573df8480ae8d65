import { describe, expect, it } from 'vitest';
import { validateContent, validateEvent } from '../../src/import/validate.js';
import { NOW } from '../fixtures/import/fake-store.js';
import { errorsOf, valueOf } from '../fixtures/import/validation.js';

const LINE = 7;

describe('validateEvent', () => {
  const event = (fields: Record<string, unknown>) =>
    validateEvent(
      { id: 'e1', customer_id: 'c1', type: 'purchase', occurred_at: '2026-03-01T10:00:00Z', ...fields },
      LINE,
      NOW,
    );

  it('converts occurred_at to epoch ms and keeps other columns as data', () => {
    expect(valueOf(event({ total: '12.50', items: [1, 2], gift: false, empty: '' }))).toEqual({
      id: 'e1',
      customer_id: 'c1',
      type: 'purchase',
      occurred_at: Date.UTC(2026, 2, 1, 10),
      data: { total: '12.50', items: [1, 2], gift: false },
    });
    expect(valueOf(event({ occurred_at: '2026-03-01T10:00:00+05:30' })).occurred_at).toBe(
      Date.UTC(2026, 2, 1, 4, 30),
    );
    expect(valueOf(event({ occurred_at: '2026-03-01 10:00:00.250-0800' })).occurred_at).toBe(
      Date.UTC(2026, 2, 1, 18, 0, 0, 250),
    );
  });

  it.each([
    ['2026-03-01T10:00:00', 'needs a time zone offset or Z'],
    ['2026-03-01', 'needs a time and a time zone offset'],
    ['March 1st', 'is not a date and time (use ISO 8601'],
    ['2026-02-30T10:00:00Z', 'is not a real date and time'],
    ['2026-03-17T12:00:01Z', 'is in the future'],
    ['1899-12-31T23:00:00Z', 'year 1899 is before 1900'],
  ])('refuses occurred_at %j', (occurred_at, reason) => {
    expect(errorsOf(event({ occurred_at }))).toEqual([expect.stringContaining(`line 7: occurred_at: `)]);
    expect(errorsOf(event({ occurred_at }))[0]).toContain(reason);
  });

  it('checks type and the required columns', () => {
    expect(errorsOf(event({ type: 'bought something' }))[0]).toMatch(
      /^line 7: type: "bought something" is not an event type/,
    );
    expect(valueOf(event({ type: 'shop:order.paid-v2' })).type).toBe('shop:order.paid-v2');
    expect(errorsOf(validateEvent({}, 2, NOW))).toEqual([
      'line 2: id: is required',
      'line 2: customer_id: is required',
      'line 2: type: is required',
      'line 2: occurred_at: is required',
    ]);
  });
});

describe('validateContent', () => {
  const item = (fields: Record<string, unknown>) =>
    validateContent(
      {
        id: 'post-1',
        title: 'Spring menu',
        url: 'https://cafe.example/spring',
        published_at: '2026-03-01T08:00:00Z',
        ...fields,
      },
      LINE,
    );

  it('accepts a content row', () => {
    expect(valueOf(item({ summary: 'New\n\tdrinks', tags: 'menu;spring', author: 'ignored' }))).toEqual({
      id: 'post-1',
      title: 'Spring menu',
      url: 'https://cafe.example/spring',
      published_at: Date.UTC(2026, 2, 1, 8),
      summary: 'New\n\tdrinks',
      tags: ['menu', 'spring'],
    });
  });

  it.each([
    ['javascript:alert(1)', 'is not an http or https link'],
    ['ftp://cafe.example/x', 'is not an http or https link'],
    ['cafe.example/spring', 'is not a web address'],
    ['https://user:pw@cafe.example/', 'contains a user name or password'],
    ['https://cafe.example/a b', 'contains spaces'],
  ])('refuses the url %j', (url, reason) => {
    expect(errorsOf(item({ url }))[0]).toContain(`line 7: url: `);
    expect(errorsOf(item({ url }))[0]).toContain(reason);
  });

  it('carries summary and tags only when given; (clear) clears them', () => {
    const bare = valueOf(item({ summary: ' ', tags: '' }));
    expect([bare.summary, bare.tags]).toEqual([undefined, undefined]);
    const cleared = valueOf(item({ summary: '(clear)', tags: '(CLEAR)' }));
    expect([cleared.summary, cleared.tags]).toEqual([null, []]);
  });

  it('refuses control characters in a title, and all but tabs and line breaks in a summary', () => {
    expect(errorsOf(item({ title: 'Spring\u0000menu' }))).toEqual([
      'line 7: title: contains a line break or control character',
    ]);
    expect(errorsOf(item({ title: 'Spring\nmenu' }))).toEqual([
      'line 7: title: contains a line break or control character',
    ]);
    expect(errorsOf(item({ summary: 'a\u0007b' }))).toEqual([
      'line 7: summary: contains a control character (only tabs and line breaks are allowed)',
    ]);
  });

  it('checks lengths and published_at', () => {
    expect(errorsOf(item({ title: 't'.repeat(301) }))).toEqual([
      'line 7: title: is too long (301 characters; at most 300)',
    ]);
    expect(errorsOf(item({ summary: 's'.repeat(5001) }))[0]).toMatch(/summary: is too long/);
    expect(errorsOf(item({ url: `https://cafe.example/${'a'.repeat(2000)}` }))[0]).toMatch(
      /url: is too long/,
    );
    expect(errorsOf(item({ published_at: '2026-03-01T08:00' }))[0]).toMatch(
      /published_at: .*needs a time zone offset or Z/,
    );
    expect(valueOf(item({ published_at: '2027-01-01T00:00:00Z' })).published_at).toBe(Date.UTC(2027, 0, 1));
  });
});
