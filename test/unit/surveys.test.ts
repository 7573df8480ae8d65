// Survey logic without I/O: scales, the scanner flag, the results arithmetic, signed links,
// the template helper and its check, the page language, and the claim-time throttle and hold.
import { describe, expect, it } from 'vitest';
import { currentAnswer, cleanComment, SCANNER_WINDOW_MS } from '../../src/surveys/answers.js';
import { summarizeFeedback, type Tally } from '../../src/surveys/results.js';
import { parseScore, scoreLevel } from '../../src/surveys/scale.js';
import { readSurveyToken, surveyLinks } from '../../src/surveys/tokens.js';
import { signToken } from '../../src/links/tokens.js';
import { surveyLanguage } from '../../src/surveys/i18n.js';
import { createTemplateEngine } from '../../src/render/engine.js';
import { checkSources } from '../../src/render/check.js';
import { readTemplateSources } from '../../src/render/load.js';
import { configSchema } from '../../src/config/schema.js';
import { decide } from '../../src/deliver/decide.js';
import type { BatchContext } from '../../src/deliver/context.js';
import type { DeliveryRow } from '../../src/db/deliveries.js';
import { storedCustomer } from '../support/records.js';
import { mkdtempSync, mkdirSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const tallies = (kind: 'csat' | 'nps', scores: number[], flagged = false): Tally[] =>
  scores.map((score) => ({ kind, score, flagged, n: 1 }));

describe('survey results', () => {
  it('CSAT is the share of 4-5 and the response rate is answers per invitation', () => {
    const f = summarizeFeedback(10, tallies('csat', [5, 5, 4, 3, 1]), []);
    expect(f).toMatchObject({
      invited: 10,
      responses: 5,
      response_rate: 50,
      csat: 60,
      nps: null,
      flagged: 0,
    });
  });

  it('NPS is % promoters minus % detractors', () => {
    expect(summarizeFeedback(6, tallies('nps', [10, 9, 8, 7, 6, 0]), []).nps).toBe(0);
    expect(summarizeFeedback(3, tallies('nps', [10, 9, 0]), []).nps).toBe(33.3);
  });

  it('flagged answers are counted apart and in nothing else', () => {
    const f = summarizeFeedback(4, [...tallies('csat', [5]), ...tallies('csat', [1, 2], true)], []);
    expect(f).toMatchObject({ responses: 1, csat: 100, flagged: 2, response_rate: 25 });
  });

  it('nothing to divide by gives null, not 0', () => {
    expect(summarizeFeedback(0, [], [])).toMatchObject({ response_rate: null, csat: null, nps: null });
  });
});

describe('scales', () => {
  it('reads only whole scores on the scale', () => {
    expect(parseScore('csat', '5')).toBe(5);
    expect(parseScore('csat', '0')).toBeNull();
    expect(parseScore('csat', '5.0')).toBeNull();
    expect(parseScore('nps', '10')).toBe(10);
    expect(parseScore('nps', '11')).toBeNull();
    expect(parseScore('nps', null)).toBeNull();
  });

  it('low is CSAT ≤ 2 and NPS ≤ 6; high is CSAT ≥ 4 and NPS ≥ 9', () => {
    expect([1, 2, 3, 4, 5].map((s) => scoreLevel('csat', s))).toEqual([
      'low',
      'low',
      'neutral',
      'high',
      'high',
    ]);
    expect([6, 7, 8, 9].map((s) => scoreLevel('nps', s))).toEqual(['low', 'neutral', 'neutral', 'high']);
  });
});

describe('the current answer', () => {
  const sent = 1_000_000;
  it('several different scores right after delivery are flagged', () => {
    const a = currentAnswer(
      [
        { score: 1, comment: null, at: sent + 2000 },
        { score: 5, comment: null, at: sent + 3000 },
      ],
      sent,
    );
    expect(a).toMatchObject({ score: 5, flagged: true });
  });

  it('the same score twice is not flagged, nor are changes made later', () => {
    expect(
      currentAnswer(
        [
          { score: 4, comment: null, at: sent + 2000 },
          { score: 4, comment: null, at: sent + 4000 },
        ],
        sent,
      ).flagged,
    ).toBe(false);
    const later = currentAnswer(
      [
        { score: 1, comment: null, at: sent + 2000 },
        { score: 5, comment: null, at: sent + 3000 },
        { score: 2, comment: 'late', at: sent + SCANNER_WINDOW_MS + 1 },
      ],
      sent,
    );
    expect(later).toMatchObject({ score: 2, comment: 'late', flagged: false, firstAt: sent + 2000 });
  });

  it('a later answer without a comment keeps the earlier comment', () => {
    const a = currentAnswer(
      [
        { score: 2, comment: 'slow', at: sent + 1e6 },
        { score: 3, comment: null, at: sent + 2e6 },
      ],
      sent,
    );
    expect(a).toMatchObject({ score: 3, comment: 'slow' });
  });

  it('comments lose control characters and blank ones are none', () => {
    expect(cleanComment('  a\r\nb\u001b[31m  ')).toBe('a\nb[31m');
    expect(cleanComment('   ')).toBeNull();
    expect([...(cleanComment('x'.repeat(5000)) ?? '')].length).toBe(2000);
  });
});

describe('survey links', () => {
  const key = 'k'.repeat(32);
  const now = Date.parse('2027-03-10T15:00:00Z');
  const links = surveyLinks('https://shop.example/', key, {
    customerId: 'c1',
    deliveryId: 42,
    now,
    expiresMs: 30 * 86_400_000,
  });
  const token = (url: string) => url.slice(url.lastIndexOf('/') + 1);

  it('name the message, the customer and the scale', () => {
    expect(links.csat.startsWith('https://shop.example/s/')).toBe(true);
    const read = readSurveyToken(key, token(links.nps), now);
    expect(read).toEqual({
      token: { customerId: 'c1', deliveryId: 42, kind: 'nps', expiresAt: now + 30 * 86_400_000 },
    });
  });

  it('expire after surveys.expires', () => {
    expect(readSurveyToken(key, token(links.csat), now + 31 * 86_400_000)).toEqual({ problem: 'expired' });
  });

  it('refuse tampering, another key, and unsubscribe tokens', () => {
    const t = token(links.csat);
    const flipped = `${t.slice(0, 5)}${t[5] === 'A' ? 'B' : 'A'}${t.slice(6)}`;
    expect(readSurveyToken(key, flipped, now)).toEqual({ problem: 'invalid' });
    expect(readSurveyToken('other'.repeat(8), t, now)).toEqual({ problem: 'invalid' });
    const unsubscribe = signToken(key, { c: 'c1', s: 'u', t: Math.floor(now / 1000) });
    expect(readSurveyToken(key, unsubscribe, now)).toEqual({ problem: 'invalid' });
  });
});

describe('the page language', () => {
  it('is the customer’s, else the business’s, else English', () => {
    expect(surveyLanguage('de-AT', 'en-US')).toBe('de');
    expect(surveyLanguage(null, 'pt-BR')).toBe('pt');
    expect(surveyLanguage('ja-JP', 'fr-FR')).toBe('fr');
    expect(surveyLanguage('ja-JP', 'ko')).toBe('en');
  });
});

describe('the survey helper', () => {
  const shipped = resolve(import.meta.dirname, '../../templates');
  function templatesWith(html: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-survey-tpl-'));
    cpSync(shipped, dir, { recursive: true });
    mkdirSync(join(dir, 'ask'));
    writeFileSync(join(dir, 'ask', 'subject.hbs'), 'How was it?');
    writeFileSync(join(dir, 'ask', 'html.hbs'), html);
    return dir;
  }

  it('writes one link per score to this message’s survey address', () => {
    const engine = createTemplateEngine({ dir: templatesWith('<p>Rate us</p>{{survey "nps"}}') });
    const data = {
      customer: { ...storedCustomer('c1'), locale: 'es-ES', years_as_customer: null },
      business: { name: 'B', postal_address: 'A', timezone: 'UTC', locale: 'en-US' },
      links: { unsubscribe: 'https://b/u/x', preferences: 'https://b/u/y', feed: 'https://b/feed.xml' },
      automation: { id: 'ask', transactional: false },
      survey: { csat: 'https://b/s/C', nps: 'https://b/s/N' },
    };
    const { html, text } = engine.render('ask', data);
    for (let s = 0; s <= 10; s++) expect(html).toContain(`href="https://b/s/N?score=${s}"`);
    expect(html).not.toContain('https://b/s/C');
    expect(html).toContain('0 = nada probable');
    expect(text).toContain('https://b/s/N?score=10');
  });

  it('an unknown survey kind fails the check with its line', () => {
    const problems = checkSources(readTemplateSources(templatesWith('<p>x</p>\n{{survey "stars"}}')));
    expect(problems.map((p) => `${p.file.split('/').slice(-2).join('/')}:${p.line}: ${p.message}`)).toContain(
      'ask/html.hbs:2: survey: "stars" is not a survey: use "csat" or "nps"',
    );
  });
});

describe('claim-time survey rules', () => {
  const config = configSchema.parse({
    surveys: { hold_marketing: '14d' },
    automations: [
      { id: 'ask', on: { event: 'purchase', after: '7d' }, template: 'follow-up', survey: 'csat' },
      { id: 'news', on: { event: 'purchase', after: '1d' }, template: 'digest' },
      { id: 'sorry', on: { survey: 'low' }, template: 'we-hear-you' },
    ],
  });
  const now = Date.parse('2027-03-10T15:00:00Z');
  const ctx = (invited: string[], held: string[]): BatchContext => ({
    customers: new Map([['c1', storedCustomer('c1')]]),
    optOuts: new Map(),
    suppressed: new Set(),
    events: new Map(),
    history: new Map(),
    digests: new Map(),
    duplicateAddress: new Set(),
    sends: new Map(),
    surveys: { invited: new Map(invited.map((c) => [c, now - 86_400_000])), held: new Set(held) },
    broadcasts: new Map(),
  });
  const row = (automation: string, id = 1): DeliveryRow => ({
    ...{
      id,
      automation_id: automation,
      customer_id: 'c1',
      occurrence: `o${id}`,
      event_id: null,
      transactional: false,
    },
    ...{ status: 'sending', reason: null, trigger_at: now, due_at: now, available_at: now, attempts: 1 },
    ...{
      locked_by: 'w',
      locked_until: null,
      sent_at: null,
      message_id: null,
      error: null,
      created_at: 0,
      updated_at: 0,
    },
  });
  const auto = (id: string) => config.automations.find((a) => a.id === id);

  it('skips an invitation to a customer invited within the throttle, and a second one in the same batch', () => {
    expect(decide(row('ask'), auto('ask'), ctx(['c1'], []), config, now)).toEqual({
      kind: 'drop',
      status: 'skipped',
      reason: 'survey-throttled',
    });
    const fresh = ctx([], []);
    expect(decide(row('ask', 1), auto('ask'), fresh, config, now)).toEqual({ kind: 'send' });
    expect(decide(row('ask', 2), auto('ask'), fresh, config, now)).toMatchObject({
      reason: 'survey-throttled',
    });
  });

  it('holds marketing after a low answer, but not what the low answer triggered', () => {
    expect(decide(row('news'), auto('news'), ctx([], ['c1']), config, now)).toEqual({
      kind: 'drop',
      status: 'skipped',
      reason: 'survey-hold',
    });
    expect(decide(row('sorry'), auto('sorry'), ctx([], ['c1']), config, now)).toEqual({ kind: 'send' });
  });
});

describe('survey triggers', () => {
  it('on: { survey: high } follows survey.high events only, after its delay', async () => {
    const { planCustomer } = await import('../../src/plan/plan.js');
    const config = configSchema.parse({
      automations: [
        { id: 'thanks-again', on: { survey: 'high', after: '1h' }, template: 'reward' },
        { id: 'sorry', on: { survey: 'low' }, template: 'we-hear-you' },
      ],
    });
    const at = Date.parse('2027-03-10T15:00:00Z');
    const event = (id: string, type: string) => ({ id, customer_id: 'c1', type, occurred_at: at, data: {} });
    const planned = planCustomer({
      automations: config.automations,
      customer: storedCustomer('c1'),
      events: [event('survey:7:high', 'survey.high')],
      window: { from: at - 86_400_000, to: at + 86_400_000 },
      now: at,
      policy: { defaultZone: 'UTC', leapDay: 'feb28', maxLateness: 86_400_000 },
    });
    expect(planned.map((p) => [p.automationId, p.occurrence, p.dueAt])).toEqual([
      ['thanks-again', 'survey:7:high', at + 3_600_000],
    ]);
  });
});
