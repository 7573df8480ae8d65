/**
 * Surveys end to end: follow-ups with rating links go through a real SMTP server, and their
 * links are played against the real HTTP server — as a mail scanner would, as a person would —
 * on SQLite and Postgres.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedMail } from 'mailparser';
import { databases } from '../support/databases.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestRuntime, REPO, writeTestConfig } from '../support/runtime.js';
import { startTestHttp, TEST_SECRET, type TestHttp } from '../support/http.js';
import { customer, purchase } from '../support/records.js';
import { cli } from '../support/cli.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { upsertEvents } from '../../src/db/events.js';
import { listDeliveries } from '../../src/db/deliveries.js';
import { answerHistory, getResponse } from '../../src/db/surveys.js';
import { loadFeedback } from '../../src/surveys/feedback.js';
import { loadSurveyContext } from '../../src/surveys/context.js';
import { runOnce } from '../../src/main.js';
import type { DbRuntime } from '../../src/runtime.js';

// Wednesday 2027-03-10 15:00 UTC: 10:00 in New York, when a purchase of a week ago is followed up.
const NOW = Date.parse('2027-03-10T15:00:00Z');
const DAY = 86_400_000;
const BROWSER =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const STAFF = 'owner@corner.example';
const REVIEWS = 'https://reviews.example/corner-coffee';

/** The shipped templates, with the follow-up asking the given question. */
function templates(kind: 'csat' | 'nps'): string {
  if (kind === 'csat') return join(REPO, 'templates');
  const dir = mkdtempSync(join(tmpdir(), 'rapport-nps-'));
  cpSync(join(REPO, 'templates'), dir, { recursive: true });
  for (const file of ['html.hbs', 'text.hbs']) {
    const path = join(dir, 'follow-up', file);
    writeFileSync(path, readFileSync(path, 'utf8').replace('{{survey "csat"', '{{survey "nps"'));
  }
  return dir;
}

function config(kind: 'csat' | 'nps') {
  return {
    templates: { dir: templates(kind) },
    business: { alerts_to: STAFF, review_url: REVIEWS },
    surveys: { hold_marketing: '14d' },
    automations: [
      {
        id: 'how-did-it-go',
        on: { event: 'purchase', after: '7d', at: '10:00' },
        unless: { event: 'purchase', within: '7d' },
        template: 'follow-up',
        survey: kind,
      },
      { id: 'after-low', on: { survey: 'low' }, template: 'we-hear-you' },
    ],
  };
}

const to = (m: ParsedMail) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address ?? '';

describe.each(databases())('surveys on %s', (db) => {
  const url = db.fresh('test');
  let sink: SmtpSink;
  let clock = NOW;
  const opened: DbRuntime[] = [];
  const servers: TestHttp[] = [];

  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    for (const rt of opened.splice(0)) await rt.close();
    sink.reset();
    clock = NOW;
  });

  async function runtime(kind: 'csat' | 'nps' = 'csat'): Promise<{ rt: DbRuntime; http: TestHttp }> {
    const rt = await openTestRuntime({
      databaseUrl: url(),
      smtpUrl: sink.url,
      now: () => clock,
      config: config(kind),
    });
    opened.push(rt);
    const http = await startTestHttp(rt);
    servers.push(http);
    return { rt, http };
  }

  /** n customers who bought a week ago; their follow-ups go out now. Returns each one's links by score. */
  async function invite(rt: DbRuntime, http: TestHttp, n: number, locale: string | null = null) {
    const ids = Array.from({ length: n }, (_, i) => `c${i}`);
    await upsertCustomers(
      rt.db.knex,
      ids.map((id) => customer(id, { locale })),
      NOW - 30 * DAY,
    );
    await upsertEvents(
      rt.db.knex,
      ids.map((id) => purchase(`order-${id}`, id, NOW - 7 * DAY - 3_600_000)),
      NOW - 7 * DAY,
    );
    await runOnce(rt);
    const mails = await sink.parsed();
    expect(mails).toHaveLength(n);
    const links = new Map<string, Map<number, string>>();
    for (const mail of mails) {
      const byScore = new Map<number, string>();
      for (const m of String(mail.html).matchAll(
        /href="http:\/\/127\.0\.0\.1:8080(\/s\/[^"?]+)\?score=(\d+)"/g,
      )) {
        byScore.set(Number(m[2]), `${http.url}${m[1]}?score=${m[2]}`);
      }
      links.set(to(mail).split('@')[0] as string, byScore);
    }
    sink.reset();
    return links;
  }

  const answer = (link: string, body: Record<string, string>) =>
    fetch(link, {
      method: 'POST',
      body: new URLSearchParams(body).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': BROWSER },
    });
  const feedback = (rt: DbRuntime) => loadFeedback(rt.db.knex, rt.config, { since: null });

  it('a scanner opening every link with GET and HEAD records nothing; the page pre-selects the score', async () => {
    const { rt, http } = await runtime();
    const links = await invite(rt, http, 3, 'de-DE');
    clock = NOW + 500;
    const all = [...links.values()].flatMap((m) => [...m.values()]);
    expect(all).toHaveLength(15);
    const responses = await Promise.all(
      all.flatMap((link) =>
        ['GET', 'HEAD'].map((method) => fetch(link, { method, headers: { 'user-agent': BROWSER } })),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    expect(Number((await rt.db.knex('survey_answers').count({ n: '*' }).first())?.n)).toBe(0);
    expect(await feedback(rt)).toMatchObject({ invited: 3, responses: 0, flagged: 0 });

    const page = await fetch(links.get('c0')?.get(4) as string);
    const html = await page.text();
    const csp = page.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(csp).toContain("default-src 'none'");
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain('<html lang="de">');
    expect(html).toMatch(/value="4" checked/);
    expect(html).not.toMatch(/value="5" checked/);
    expect(html).toContain('Absenden');
    expect(html).toContain('<label class="block" for="comment">');
    expect(html).toContain("document.visibilityState==='visible'");
  });

  it('answers count once per message; a second answer replaces the first, with history; results and metrics add up', async () => {
    const { rt, http } = await runtime();
    const links = await invite(rt, http, 10);
    clock = NOW + 10 * 60_000;
    const scores = [5, 5, 4, 3, 1];
    for (const [i, score] of scores.entries()) {
      const res = await answer(links.get(`c${i}`)?.get(score) as string, {
        score: String(score),
        comment: i === 4 ? 'Cold <b>coffee</b>' : '',
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(REVIEWS);
    }
    expect(await feedback(rt)).toMatchObject({
      invited: 10,
      responses: 5,
      response_rate: 50,
      csat: 60,
      flagged: 0,
    });

    // The page's own script saves a score with source=auto; a later form answer replaces it.
    const auto = await answer(links.get('c2')?.get(2) as string, { score: '2', source: 'auto' });
    expect(auto.status).toBe(200);
    expect(await auto.json()).toEqual({ saved: true });
    clock += 60_000;
    await answer(links.get('c2')?.get(4) as string, { score: '4', comment: 'All good after all' });
    const [c2] = await listDeliveries(rt.db.knex, { customerId: 'c2' });
    expect(await getResponse(rt.db.knex, c2?.id as number)).toMatchObject({
      score: 4,
      comment: 'All good after all',
      flagged: false,
    });
    expect((await answerHistory(rt.db.knex, c2?.id as number)).map((a) => [a.score, a.source])).toEqual([
      [4, 'form'],
      [2, 'auto'],
      [4, 'form'],
    ]);
    const f = await feedback(rt);
    expect(f).toMatchObject({ responses: 5, csat: 60 });
    expect(f.comments.map((c) => c.comment)).toEqual(['All good after all', 'Cold <b>coffee</b>']);

    const metrics = await (await fetch(`${http.url}/metrics`)).text();
    expect(metrics).toContain('rapport_survey_invited 10');
    expect(metrics).toContain('rapport_survey_csat_percent 60');
    expect(metrics).toContain('rapport_survey_response_rate_percent 50');

    // After surveys.editable (7d) the answer stands; a tampered link and an expired one record nothing.
    clock = NOW + 8 * DAY;
    const late = await answer(links.get('c2')?.get(1) as string, { score: '1' });
    expect(late.status).toBe(409);
    const closed = await fetch(links.get('c2')?.get(1) as string);
    expect(closed.status).toBe(200);
    const closedHtml = await closed.text();
    expect(closedHtml).toContain('can no longer be changed');
    expect(closedHtml).not.toContain('<form');
    const link = links.get('c5')?.get(3) as string;
    const tampered = link.replace(/\/s\/(.)/, (_m, c: string) => `/s/${c === 'e' ? 'f' : 'e'}`);
    expect((await fetch(tampered)).status).toBe(400);
    expect((await answer(tampered, { score: '3' })).status).toBe(400);
    clock = NOW + 31 * DAY;
    const expired = await fetch(link);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('This survey has closed');
    expect((await answer(link, { score: '3' })).status).toBe(410);
    expect(Number((await rt.db.knex('survey_answers').count({ n: '*' }).first())?.n)).toBe(7);
  });

  it('a low score alerts staff exactly once, even answered on two workers at once, and plans its follow-up', async () => {
    const { rt, http } = await runtime();
    const links = await invite(rt, http, 2);
    // A second worker: its own runtime on Postgres. Two SQLite connections in one process would
    // block each other (better-sqlite3 waits synchronously), so there it is a second server only.
    const other = db.name === 'postgres' ? await runtime() : { rt, http: await startTestHttp(rt) };
    if (db.name === 'sqlite') servers.push(other.http);
    clock = NOW + 10 * 60_000;
    const mine = links.get('c1')?.get(1) as string;
    const theirs = mine.replace(http.url, other.http.url);
    const answers = await Promise.all([
      answer(mine, { score: '1', comment: 'Cold coffee' }),
      answer(theirs, { score: '2', comment: 'Cold coffee, slow service' }),
      answer(mine, { score: '1' }),
    ]);
    for (const res of answers) {
      expect(res.status).toBe(200);
      // No gating: the low scorer is offered the review page like everyone else.
      expect(await res.text()).toContain(`href="${REVIEWS}"`);
    }
    await Promise.all([runOnce(rt), ...(other.rt === rt ? [] : [runOnce(other.rt)])]);
    const mails = await sink.parsed();
    const alerts = mails.filter((m) => to(m) === STAFF);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.text).toContain('c1@example.com');
    expect(alerts[0]?.text).toContain('Customer id: c1');
    expect(alerts[0]?.text).toMatch(/Cold coffee/);
    expect(mails.filter((m) => to(m) === 'c1@example.com').map((m) => m.subject)).toEqual([
      'We are sorry it was not better, c1',
    ]);

    // Another low answer to the same message: still the one alert.
    clock += 60_000;
    await answer(mine, { score: '1', comment: 'Still cold' });
    await runOnce(rt);
    expect((await sink.parsed()).filter((m) => to(m) === STAFF)).toHaveLength(1);
    const held = await loadSurveyContext(rt.db.knex, rt.config, ['c0', 'c1'], clock);
    expect([...held.held]).toEqual(['c1']);
  });

  it('different scores within seconds of delivery are flagged: not counted, no alert, no follow-up', async () => {
    const { rt, http } = await runtime();
    const links = await invite(rt, http, 1);
    const c0 = links.get('c0') as Map<number, string>;
    for (const [i, score] of [1, 3, 5].entries()) {
      clock = NOW + 2000 + i * 500;
      expect((await answer(c0.get(score) as string, { score: String(score), source: 'auto' })).status).toBe(
        200,
      );
    }
    clock = NOW + 5 * 60_000;
    await runOnce(rt);
    expect(await sink.parsed()).toHaveLength(0);
    const rows = await listDeliveries(rt.db.knex, {});
    expect(rows.find((r) => r.automation_id === 'survey:alert')).toMatchObject({
      status: 'skipped',
      reason: 'survey-not-low',
    });
    expect(rows.filter((r) => r.automation_id === 'after-low')).toEqual([]);
    expect(await feedback(rt)).toMatchObject({ invited: 1, responses: 0, flagged: 1, csat: null });

    // A person's low answer after the scanner's minute counts, and brings the alert back: once.
    await answer(c0.get(2) as string, { score: '2', comment: 'Too sweet' });
    await runOnce(rt);
    clock += 60_000;
    await answer(c0.get(1) as string, { score: '1' });
    await runOnce(rt);
    const mails = await sink.parsed();
    expect(mails.filter((m) => to(m) === STAFF).map((m) => m.text?.includes('Too sweet'))).toEqual([true]);
    expect(await feedback(rt)).toMatchObject({ responses: 1, flagged: 0, csat: 0 });
  });

  it('a second invitation within surveys.throttle is skipped as survey-throttled', async () => {
    const { rt, http } = await runtime();
    await invite(rt, http, 1);
    await upsertEvents(rt.db.knex, [purchase('order-again', 'c0', NOW + DAY)], NOW + DAY);
    // A week after the second purchase, at 10:00 in New York (EDT since March 14).
    clock = Date.parse('2027-03-19T14:00:00Z');
    await runOnce(rt);
    expect(await sink.parsed()).toHaveLength(0);
    const second = (await listDeliveries(rt.db.knex, { automationId: 'how-did-it-go' })).find(
      (r) => r.occurrence === 'order-again',
    );
    expect(second).toMatchObject({ status: 'skipped', reason: 'survey-throttled' });
    expect(await feedback(rt)).toMatchObject({ invited: 1 });
  });

  it('rapport feedback --json: NPS {10,9,8,7,6,0} is 0', async () => {
    const { rt, http } = await runtime('nps');
    const links = await invite(rt, http, 8);
    clock = NOW + 10 * 60_000;
    for (const [i, score] of [10, 9, 8, 7, 6, 0].entries()) {
      expect((await answer(links.get(`c${i}`)?.get(score) as string, { score: String(score) })).status).toBe(
        200,
      );
    }
    const env = { DATABASE_URL: url(), SMTP_URL: sink.url, RAPPORT_SECRET: TEST_SECRET };
    const run = await cli(env, '--config', writeTestConfig(config('nps')), 'feedback', '--json');
    expect(run.err).toBe('');
    expect(JSON.parse(run.out)).toMatchObject({
      invited: 8,
      responses: 6,
      response_rate: 75,
      nps: 0,
      csat: null,
      flagged: 0,
    });
    const none = await cli(
      env,
      '--config',
      writeTestConfig(config('nps')),
      'feedback',
      '--json',
      '--since',
      '2027-03-11',
    );
    expect(JSON.parse(none.out)).toMatchObject({ invited: 0, responses: 0 });
  });
});
