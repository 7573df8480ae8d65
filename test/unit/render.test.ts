import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { Customer } from '../../src/domain.js';
import {
  buildTemplateData,
  createTemplateEngine,
  sampleTemplateData,
  type TemplateData,
} from '../../src/render/index.js';
import { registerHelpers } from '../../src/render/helpers.js';

const SHIPPED = fileURLToPath(new URL('../../templates', import.meta.url));
const BUSINESS = {
  name: 'Corner Coffee',
  postal_address: '12 Market St, Springfield',
  timezone: 'America/New_York',
  locale: 'en-US',
  url: 'https://corner.example',
};
const LINKS = {
  unsubscribe: 'https://mail.corner.example/u/TOKEN',
  preferences: 'https://mail.corner.example/p/TOKEN',
  feed: 'https://mail.corner.example/feed.xml',
};

function customer(overrides: Partial<Customer> = {}): Customer {
  return {
    id: 'c1',
    email: 'ann@example.com',
    first_name: 'Ann',
    last_name: 'Lee',
    birthday: '1990-03-14',
    timezone: 'Europe/Berlin',
    locale: 'de-DE',
    customer_since: '2021-06-01',
    tags: ['newsletter'],
    subscribed: true,
    attributes: {},
    created_at: 0,
    updated_at: 0,
    ...overrides,
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A throw-away templates folder: { 'hello/html.hbs': '…' }. */
function templatesDir(files: Record<string, string>): string {
  const base = mkdtempSync(path.join(tmpdir(), 'rapport-render-'));
  dirs.push(base);
  const dir = path.join(base, 'templates');
  const all = {
    'layouts/default.hbs': '<main>{{{body}}}</main>{{> footer}}',
    'partials/footer.hbs': '',
    ...files,
  };
  for (const [name, source] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), source);
  }
  return dir;
}

describe('render', () => {
  it('escapes customer values in html and keeps the subject on one line', () => {
    const engine = createTemplateEngine({ dir: SHIPPED });
    const data = sampleTemplateData(BUSINESS, LINKS);
    data.customer.first_name = '<script>alert(1)</script> "quotes" \r\nBcc: x@y';
    const email = engine.render('birthday', data);
    expect(email.subject).toBe('Happy birthday, <script>alert(1)</script> "quotes" Bcc: x@y!');
    expect(email.subject).not.toMatch(/[\r\n\t]/);
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('Hi &lt;script&gt;alert(1)&lt;/script&gt; &quot;quotes&quot;');
    expect(email.text).toContain('Hi <script>alert(1)</script> "quotes"');
  });

  it('does not turn & or apostrophes in a subject into html entities', () => {
    const engine = createTemplateEngine({ dir: SHIPPED });
    const data = sampleTemplateData({ ...BUSINESS, name: "Smith & Sons' Deli" }, LINKS);
    expect(engine.render('digest', data).subject).toBe("What's new at Smith & Sons' Deli");
  });

  it('derives the text part from the html when there is no text.hbs', () => {
    const dir = templatesDir({
      'derived/subject.hbs': 'Hi',
      'derived/html.hbs': '<p>Hello {{customer.first_name}}, <a href="{{links.feed}}">our feed</a>.</p>',
      'written/html.hbs': '<p>html</p>',
      'written/text.hbs': 'Hello {{customer.first_name}} & welcome\n{{> sign}}',
      'written/subject.hbs': '{{> sign}}',
      'partials/sign.hbs': '-- {{business.name}}',
    });
    const engine = createTemplateEngine({ dir });
    const data = sampleTemplateData({ ...BUSINESS, name: 'Smith & Sons' }, LINKS);
    data.customer.first_name = 'Tom & Jerry';
    expect(engine.render('derived', data).text).toBe(`Hello Tom & Jerry, our feed [${LINKS.feed}].`);
    const written = engine.render('written', data);
    expect(written.text).toBe('Hello Tom & Jerry & welcome\n-- Smith & Sons');
    expect(written.subject).toBe('-- Smith & Sons');
    expect(written.html).toContain('html');
  });

  it('names the folder when a template does not exist', () => {
    const engine = createTemplateEngine({ dir: SHIPPED });
    const render = () => engine.render('nope', sampleTemplateData(BUSINESS, LINKS));
    expect(render).toThrow(AppError);
    expect(render).toThrow(/templates\/nope\//);
    try {
      render();
    } catch (error) {
      expect((error as AppError).code).toBe('E_TEMPLATE_MISSING');
    }
    expect(engine.has('birthday')).toBe(true);
    expect(engine.has('nope')).toBe(false);
  });

  it('lists the shipped templates', () => {
    expect(createTemplateEngine({ dir: SHIPPED }).names()).toEqual([
      'anniversary',
      'birthday',
      'digest',
      'follow-up',
      'holiday',
      'review-request',
      'reward',
      'thank-you',
      'we-hear-you',
      'we-miss-you',
    ]);
  });

  it('shows no unsubscribe link in transactional mail, and shows it in marketing mail', () => {
    const engine = createTemplateEngine({ dir: SHIPPED });
    const marketing = engine.render('thank-you', sampleTemplateData(BUSINESS, LINKS));
    const transactional = engine.render(
      'thank-you',
      sampleTemplateData(BUSINESS, LINKS, { id: 'thank-you', transactional: true }),
    );
    expect(marketing.html).toContain(LINKS.unsubscribe);
    expect(transactional.html).not.toContain(LINKS.unsubscribe);
    expect(transactional.html).toContain(LINKS.preferences);
    expect(transactional.text).toContain(BUSINESS.postal_address);
  });

  it('greets gracefully without a first name', () => {
    const engine = createTemplateEngine({ dir: SHIPPED });
    const data = sampleTemplateData(BUSINESS, LINKS);
    data.customer.first_name = null;
    for (const name of engine.names()) {
      const email = engine.render(name, data);
      expect(email.subject, name).not.toMatch(/,\s*[!?]?$|, ,|\s[!?]$/);
      expect(email.text, name).toContain('Hi there,');
    }
  });
});

describe('buildTemplateData', () => {
  it('maps a customer, an event and items, counting years in the customer zone', () => {
    const now = Date.parse('2025-05-31T23:30:00Z'); // already June 1 in Berlin
    const data = buildTemplateData({
      customer: customer({ attributes: { reward_code: 'THANKS5' } }),
      business: BUSINESS,
      links: LINKS,
      automation: { id: 'anniversary', transactional: false },
      event: { id: 'e1', customer_id: 'c1', type: 'purchase', occurred_at: 0, data: { total: '9.50' } },
      items: [{ id: 'i1', title: 'T', url: 'https://x', published_at: 86_400_000, summary: null, tags: [] }],
      now,
    });
    expect(data.customer.years_as_customer).toBe(4);
    expect(data.customer.attributes).toEqual({ reward_code: 'THANKS5' });
    expect(data.event).toEqual({
      id: 'e1',
      type: 'purchase',
      occurred_at: '1970-01-01T00:00:00.000Z',
      data: { total: '9.50' },
    });
    expect(data.items?.[0]?.published_at).toBe('1970-01-02T00:00:00.000Z');
    expect(data.business.postal_address).toBe(BUSINESS.postal_address);
    const inNewYork = buildTemplateData({
      customer: customer({ timezone: null }),
      business: BUSINESS,
      links: LINKS,
      automation: { id: 'a', transactional: false },
      now,
    });
    expect(inNewYork.customer.years_as_customer).toBe(3); // still May 31 in New York
    expect(inNewYork.event).toBeUndefined();
  });
});

describe('helpers', () => {
  const hb = Handlebars.create();
  registerHelpers(hb);
  const render = (source: string, who: Partial<TemplateData['customer']>, business = BUSINESS) => {
    const data = sampleTemplateData(business, LINKS);
    Object.assign(data.customer, who);
    return hb.compile(source)(data);
  };
  const LA = { timezone: 'America/Los_Angeles', locale: 'en-US' };
  const AUCKLAND = { timezone: 'Pacific/Auckland', locale: 'de-DE' };

  it('formats an instant in the customer zone and locale', () => {
    const source = '{{formatDate "2025-03-01T06:30:00Z" "long"}}|{{formatDate 1740810600000 "HH:mm"}}';
    expect(render(source, LA)).toBe('February 28, 2025|22:30');
    expect(render(source, AUCKLAND)).toBe('1. März 2025|19:30');
  });

  it('never shifts a birthday by zone', () => {
    const source = '{{formatDate customer.birthday "long"}}';
    for (const zone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'America/Havana']) {
      expect(render(source, { timezone: zone, locale: 'en-US', birthday: '03-14' })).toBe('March 14');
      expect(render(source, { timezone: zone, locale: 'en-US', birthday: '1990-03-14' })).toBe(
        'March 14, 1990',
      );
    }
    expect(render(source, { ...AUCKLAND, birthday: '02-29' })).toBe('29. Februar');
    expect(render('{{formatDate customer.birthday "full"}}', { ...LA, birthday: '03-14' })).toBe('March 14');
    expect(render('{{formatDate customer.birthday "short"}}', { ...AUCKLAND, birthday: '1990-03-14' })).toBe(
      '14.3.1990',
    );
  });

  it('falls back to the business zone and locale, and copes with bad values', () => {
    const source = '{{formatDate "2025-03-01T03:00:00Z" "medium"}}';
    expect(render(source, { timezone: null, locale: null })).toBe('Feb 28, 2025'); // New York
    expect(render(source, { timezone: 'Mars/Base', locale: 'not a locale!' })).toBe('Feb 28, 2025');
    expect(render('[{{formatDate customer.birthday}}]', { birthday: null })).toBe('[]');
    expect(render('{{formatDate "someday"}}', {})).toBe('someday');
  });

  it('formats numbers and money in the customer locale', () => {
    const source = '{{formatNumber 1234.5}}|{{formatMoney "18.5" "EUR"}}|{{formatMoney 3 "nope"}}';
    expect(render(source, AUCKLAND)).toBe('1.234,5|18,50\u00a0€|3,00 nope');
    expect(render(source, LA)).toBe('1,234.5|€18.50|3.00 nope');
  });

  it('offers default and eq', () => {
    expect(render('Hi {{default customer.first_name "there"}}', { first_name: null })).toBe('Hi there');
    expect(render('Hi {{default customer.first_name "there"}}', { first_name: '  ' })).toBe('Hi there');
    expect(render('{{#if (eq customer.years_as_customer "3")}}yes{{else}}no{{/if}}', {})).toBe('yes');
    expect(render('{{#if (eq customer.first_name "Bob")}}yes{{else}}no{{/if}}', {})).toBe('no');
  });

  it('keeps templates away from the console: log does nothing', () => {
    expect(render('a{{log "x"}}b', {})).toBe('ab');
  });
});

describe('snapshots of shipped emails', () => {
  const data = (automation: string) =>
    buildTemplateData({
      customer: customer({ timezone: 'America/Chicago', locale: 'en-US', first_name: 'Ann' }),
      business: BUSINESS,
      links: LINKS,
      automation: { id: automation, transactional: false },
      items: [
        {
          id: 'post-1',
          title: 'Our new winter blend & how we roast it',
          url: 'https://corner.example/posts/winter-blend',
          summary: 'Three beans, one slow roast, and <em>a lot</em> of tasting.',
          published_at: Date.parse('2025-01-06T02:00:00Z'), // Jan 5 in Chicago
          tags: ['news'],
        },
        {
          id: 'post-2',
          title: 'Opening hours over the holidays',
          url: 'https://corner.example/posts/hours',
          summary: null,
          published_at: Date.parse('2025-01-03T15:00:00Z'),
          tags: [],
        },
      ],
      now: Date.parse('2025-01-06T15:00:00Z'),
    });

  for (const name of ['birthday', 'digest']) {
    it(`renders ${name}`, async () => {
      const email = createTemplateEngine({ dir: SHIPPED }).render(name, data(name));
      await expect(email.html).toMatchFileSnapshot(`./__snapshots__/render/${name}.html`);
      await expect(`Subject: ${email.subject}\n\n${email.text}\n`).toMatchFileSnapshot(
        `./__snapshots__/render/${name}.txt`,
      );
    });
  }
});
