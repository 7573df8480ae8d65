/**
 * Unsubscribe and preferences over real HTTP, on both databases: GET never changes anything,
 * POST (RFC 8058 one-click or the page's form) records the opt-out with its source, every bad
 * token gets one and the same 404, and an opt-out is honoured when the delivery loop claims.
 */
import type { Knex } from 'knex';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { linkToken, startTestHttp, type TestHttp } from '../support/http.js';
import { openTestRuntime } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { customer as record } from '../support/records.js';
import { ALL_MARKETING, consentLog, optOutsFor } from '../../src/db/consent.js';
import { upsertCustomers, type CustomerInput } from '../../src/db/customers.js';
import { listDeliveries } from '../../src/db/deliveries.js';
import { upsertEvents } from '../../src/db/events.js';
import { runOnce } from '../../src/main.js';
import type { DbRuntime } from '../../src/runtime.js';

// Wednesday 2027-03-10 15:00 UTC: 10:00 in New York; birthdays at 09:00 there are due.
const NOW = Date.parse('2027-03-10T15:00:00Z');
const DAY = 86_400_000;
const ONE_CLICK = 'List-Unsubscribe=One-Click';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Customers here have a birthday today, at 09:00 in New York. */
function customer(id: string, over: Partial<CustomerInput> = {}): CustomerInput {
  return record(id, { birthday: '03-10', timezone: 'America/New_York', ...over });
}

/** The token with the character at `index` replaced by another base64url character. */
function flip(token: string, index: number, by = 1): string {
  const i = index < 0 ? token.length + index : index;
  const c = token.charAt(i);
  const swapped = B64URL.charAt((B64URL.indexOf(c) + by) % 64);
  return token.slice(0, i) + swapped + token.slice(i + 1);
}

/** The last character with only its two unused low bits changed: decodes to the same bytes leniently. */
function flipPaddingBits(token: string): string {
  const c = token.charAt(token.length - 1);
  return token.slice(0, -1) + B64URL.charAt(B64URL.indexOf(c) ^ 1);
}

/** A customer as optOutsFor takes it. */
const who = (id: string, email = `${id}@example.com`) => ({ id, email });

/** Every opt-out and consent-log row, to compare before and after. */
async function consentRows(knex: Knex): Promise<unknown[]> {
  const optOuts = (await knex('opt_outs')
    .select('customer_id', 'scope', 'source')
    .orderBy(['customer_id', 'scope'])) as unknown[];
  const log = (await knex('consent_log')
    .select('customer_id', 'action', 'scope', 'source')
    .orderBy('id')) as unknown[];
  return [optOuts, log];
}

describe.each(databases())('unsubscribe over HTTP on %s', (db) => {
  const url = db.fresh('test');
  let sink: SmtpSink;
  let rt: DbRuntime;
  let http: TestHttp;

  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  beforeEach(async () => {
    rt = await openTestRuntime({ databaseUrl: url(), smtpUrl: sink.url, now: () => NOW });
    await upsertCustomers(rt.db.knex, [customer('ann'), customer('una')], NOW - DAY);
    http = await startTestHttp(rt);
  });
  afterEach(async () => {
    await http?.close();
    await rt?.close();
    sink.reset();
  });

  const get = (token: string) => fetch(`${http.url}/u/${token}`, { redirect: 'manual' });
  const post = (token: string, body: string) =>
    fetch(`${http.url}/u/${token}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
    });

  it('GET shows the page and changes nothing', async () => {
    const token = linkToken('una', 'u', NOW - DAY);
    const res = await get(token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('una@example.com');
    expect(html).toContain(`action="/u/${token}"`);
    expect(html).toContain('name="scope" value="*"');
    const head = await fetch(`${http.url}/u/${token}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await consentRows(rt.db.knex)).toEqual([[], []]);
  });

  it('POST with the RFC 8058 body unsubscribes: 200, no redirect, logged as one-click; a second POST is harmless', async () => {
    const token = linkToken('una', 'u', NOW - DAY);
    const res = await post(token, ONE_CLICK);
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('You are unsubscribed');

    const again = await post(token, ONE_CLICK);
    expect(again.status).toBe(200);
    expect(again.headers.get('location')).toBeNull();

    expect((await optOutsFor(rt.db.knex, [who('una')])).get('una')).toEqual(new Set([ALL_MARKETING]));
    expect(await consentRows(rt.db.knex)).toEqual([
      [{ customer_id: 'una', scope: ALL_MARKETING, source: 'one-click' }],
      [{ customer_id: 'una', action: 'unsubscribe', scope: ALL_MARKETING, source: 'one-click' }],
    ]);
    const [entry] = await consentLog(rt.db.knex, 'una');
    expect(entry).toMatchObject({ email: 'una@example.com' });
    expect(Number(entry?.created_at)).toBe(NOW);
  });

  it('a one-click POST sent as multipart/form-data (as RFC 8058 prefers) unsubscribes too', async () => {
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    const res = await fetch(`${http.url}/u/${linkToken('una', 'u', NOW - DAY)}`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    });
    expect(res.status).toBe(200);
    expect(await consentRows(rt.db.knex)).toEqual([
      [{ customer_id: 'una', scope: ALL_MARKETING, source: 'one-click' }],
      [{ customer_id: 'una', action: 'unsubscribe', scope: ALL_MARKETING, source: 'one-click' }],
    ]);
  });

  it('an unsubscribe covers every customer row with that address', async () => {
    await upsertCustomers(rt.db.knex, [customer('una-again', { email: 'UNA@example.com' })], NOW - DAY);
    await post(linkToken('una', 'u', NOW - DAY), ONE_CLICK);
    const optOuts = await optOutsFor(rt.db.knex, [
      who('una'),
      who('una-again', 'UNA@example.com'),
      who('ann'),
    ]);
    expect(optOuts.get('una')).toEqual(new Set([ALL_MARKETING]));
    expect(optOuts.get('una-again')).toEqual(new Set([ALL_MARKETING]));
    expect(optOuts.get('ann')).toBeUndefined();
  });

  it('preferences with nothing ticked unsubscribe from everything, later automations included; unknown boxes count for nothing', async () => {
    const token = linkToken('ann', 'p', NOW - DAY);
    await post(token, 'scope=choose&keep=no-such-automation');
    expect((await optOutsFor(rt.db.knex, [who('ann')])).get('ann')?.has(ALL_MARKETING)).toBe(true);
    await post(token, 'scope=choose&keep=birthday');
    const scopes = (await optOutsFor(rt.db.knex, [who('ann')])).get('ann');
    expect(scopes?.has(ALL_MARKETING)).toBe(false);
    expect(scopes?.has('birthday')).toBe(false);
  });

  it("the page's button (scope=*) unsubscribes too", async () => {
    const res = await post(linkToken('ann', 'u', NOW - DAY), 'scope=%2A');
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(await consentRows(rt.db.knex)).toEqual([
      [{ customer_id: 'ann', scope: ALL_MARKETING, source: 'link' }],
      [{ customer_id: 'ann', action: 'unsubscribe', scope: ALL_MARKETING, source: 'link' }],
    ]);
  });

  it('tampered, expired, foreign and garbage tokens all get the same 404 and change nothing', async () => {
    const good = linkToken('una', 'u', NOW - DAY);
    const dot = good.indexOf('.');
    const bad: Record<string, string> = {
      'payload, first char': flip(good, 0),
      'payload, last char': flip(good, dot - 1, 3),
      'signature, first char': flip(good, dot + 1),
      'signature, last char': flip(good, -1, 17),
      'signature, unused bits of the last char': flipPaddingBits(good),
      'signature cut short': good.slice(0, -2),
      'signature doubled': `${good}${good.slice(dot + 1)}`,
      'no signature': good.slice(0, dot),
      'extra part': `${good}.x`,
      'expired (401 days old)': linkToken('una', 'u', NOW - 401 * DAY),
      'issued in the future': linkToken('una', 'u', NOW + DAY),
      'signed with another key': linkToken('una', 'u', NOW - DAY, 'another-key-0123456789abcdef0123456789'),
      'a customer that does not exist': linkToken('nobody', 'u', NOW - DAY),
      'an unknown scope': linkToken('una', 'x', NOW - DAY),
      garbage: 'garbage',
      'garbage with dots': 'a.b.c',
      'not base64url': 'abc%20def.%2F%2F',
      'far too long': 'A'.repeat(5000),
    };
    const reference = await get(linkToken('nobody', 'u', NOW - DAY));
    expect(reference.status).toBe(404);
    const referenceBody = await reference.text();
    expect(referenceBody).toContain('not valid');
    for (const [what, token] of Object.entries(bad)) {
      for (const res of [await get(token), await post(token, ONE_CLICK), await post(token, 'scope=%2A')]) {
        expect(res.status, what).toBe(404);
        expect(res.headers.get('content-type'), what).toMatch(/^text\/html/);
        expect(await res.text(), what).toBe(referenceBody);
      }
    }
    expect(await consentRows(rt.db.knex)).toEqual([[], []]);
  });

  it('the preferences page lists marketing automations and records per-automation opt-outs', async () => {
    const token = linkToken('ann', 'p', NOW - DAY);
    const page = await (await get(token)).text();
    const listed = [...page.matchAll(/name="keep" value="([^"]+)" checked/g)].map((m) => m[1]);
    const marketing = rt.config.automations.filter((a) => a.enabled && !a.transactional).map((a) => a.id);
    expect(listed).toEqual(marketing);
    expect(page).toContain('Birthday greetings');
    expect(page).not.toContain('value="thank-you"');
    expect(await consentRows(rt.db.knex)).toEqual([[], []]);

    const res = await post(token, 'scope=choose&keep=birthday&keep=weekly-digest');
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    const left = marketing.filter((id) => id !== 'birthday' && id !== 'weekly-digest');
    expect((await optOutsFor(rt.db.knex, [who('ann')])).get('ann')).toEqual(new Set(left));
    const log = await consentLog(rt.db.knex, 'ann');
    expect(log.map((r) => [r.action, r.scope, r.source])).toEqual(
      left.map((id) => ['unsubscribe', id, 'preferences']),
    );

    const after = await (await get(token)).text();
    expect([...after.matchAll(/name="keep" value="([^"]+)" checked/g)].map((m) => m[1])).toEqual([
      'birthday',
      'weekly-digest',
    ]);

    // The same form posted with an unsubscribe-only token records nothing.
    await post(linkToken('una', 'u', NOW - DAY), 'scope=choose&keep=birthday');
    expect((await optOutsFor(rt.db.knex, [who('una')])).get('una')).toBeUndefined();
  });

  it('after a one-click unsubscribe the birthday is suppressed at claim time and the thank-you still goes', async () => {
    await upsertEvents(
      rt.db.knex,
      [{ id: 'order-1', customer_id: 'una', type: 'purchase', occurred_at: NOW - 90 * 60_000, data: {} }],
      NOW - 60_000,
    );
    expect((await post(linkToken('una', 'u', NOW - DAY), ONE_CLICK)).status).toBe(200);

    await runOnce(rt);
    const books = await listDeliveries(rt.db.knex, {});
    const status = Object.fromEntries(
      books.map((d) => [`${d.automation_id}/${d.customer_id}`, [d.status, d.reason]]),
    );
    expect(status).toMatchObject({
      'birthday/ann': ['sent', null],
      'birthday/una': ['suppressed', 'unsubscribed'],
      'thank-you/una': ['sent', null],
    });
    const toUna = sink.messages.filter((m) => m.envelope.to.includes('una@example.com'));
    const thanks = books.find((d) => d.automation_id === 'thank-you');
    expect(toUna.map((m) => m.messageId)).toEqual([thanks?.message_id]);
    expect(sink.messages.filter((m) => m.envelope.to.includes('ann@example.com'))).toHaveLength(1);
  });

  it('an unsubscribe committed while the send is claimed stops it', async () => {
    // The opt-out is POSTed the moment the claim UPDATE has returned, before the worker reads
    // consent. Consent is read once per batch, after the claim: an opt-out committed later than
    // that read (while the message is being rendered or handed to the relay) cannot stop that
    // one message; it stops every later one.
    let claimedStatus: string | undefined;
    const knex = afterClaim(rt.db.knex, async () => {
      claimedStatus = (await listDeliveries(rt.db.knex, { customerId: 'una' }))[0]?.status;
      expect((await post(linkToken('una', 'u', NOW - DAY), ONE_CLICK)).status).toBe(200);
    });
    const report = await runOnce({ ...rt, db: { ...rt.db, knex } });

    expect(claimedStatus).toBe('sending');
    expect(report.batches[0]).toMatchObject({ claimed: 2, sent: 1, suppressed: 1 });
    const books = await listDeliveries(rt.db.knex, { customerId: 'una' });
    expect(books.map((d) => [d.automation_id, d.status, d.reason])).toEqual([
      ['birthday', 'suppressed', 'unsubscribed'],
    ]);
    expect(sink.messages.flatMap((m) => m.envelope.to)).toEqual(['ann@example.com']);
  });
});

/**
 * `knex` as it is, except that the first claim (the UPDATE that marks rows `sending`) runs
 * `hook` after it has committed and before its rows are handed back to the worker.
 */
function afterClaim(knex: Knex, hook: () => Promise<void>): Knex {
  let fired = false;
  return new Proxy(knex, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop !== 'raw') return value;
      return (sql: string, bindings: readonly unknown[]) => {
        const query = target.raw(sql, bindings as Knex.RawBinding[]);
        if (fired || !sql.includes("SET status = 'sending'")) return query;
        fired = true;
        return query.then(async (result: unknown) => {
          await hook();
          return result;
        });
      };
    },
  });
}
