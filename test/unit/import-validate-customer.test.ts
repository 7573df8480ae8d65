import { describe, expect, it } from 'vitest';
import { validateCustomer } from '../../src/import/validate.js';
import { show } from '../../src/import/text.js';
import { NOW } from '../fixtures/import/fake-store.js';
import { errorsOf, valueOf } from '../fixtures/import/validation.js';

const LINE = 7;

function customer(fields: Record<string, unknown>) {
  return validateCustomer({ id: 'c1', email: 'ann@example.com', ...fields }, LINE, NOW);
}

describe('validateCustomer', () => {
  it('carries only the fields a row has: a minimal row sets nothing else', () => {
    const value = valueOf(customer({ first_name: '', tags: [], subscribed: '  ', favourite: null }));
    expect(Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined))).toEqual({
      id: 'c1',
      email: 'ann@example.com',
      attributes: {},
    });
  });

  it('reads (clear) as clearing a field or an attribute, in any letter case', () => {
    const value = valueOf(
      customer({ first_name: '(clear)', birthday: ' (CLEAR) ', tags: '(clear)', note: '(Clear)' }),
    );
    expect(value).toMatchObject({ first_name: null, birthday: null, tags: [], attributes: { note: null } });
    expect(errorsOf(customer({ subscribed: '(clear)' }))).toEqual([
      'line 7: subscribed: cannot be cleared; write true or false',
    ]);
  });

  it('normalises every field', () => {
    const value = valueOf(
      customer({
        id: '  c1 ',
        email: ' Ann.Lee+news@Example.COM ',
        first_name: ' Ann ',
        birthday: '02-29',
        timezone: 'america/new_york',
        locale: 'en_us',
        customer_since: '2021-06-30T23:30:00-05:00',
        tags: ' vip ; ;newsletter;vip ',
        subscribed: 'No',
        favourite_drink: ' flat white ',
        empty_column: '',
      }),
    );
    expect(value).toMatchObject({
      id: 'c1',
      email: 'Ann.Lee+news@example.com',
      first_name: 'Ann',
      birthday: '02-29',
      timezone: 'America/New_York',
      locale: 'en-US',
      customer_since: '2021-06-30',
      tags: ['vip', 'newsletter'],
      subscribed: false,
      attributes: { favourite_drink: 'flat white' },
    });
  });

  it('requires id and email', () => {
    expect(errorsOf(validateCustomer({ id: ' ', first_name: 'x' }, 3, NOW))).toEqual([
      'line 3: id: is required',
      'line 3: email: is required',
    ]);
  });

  it.each([
    ['bob@@x', '"bob@@x" is not an email address'],
    ['bob', '"bob" is not an email address'],
    ['bob@localhost', '"bob@localhost" is not an email address'],
    ['bob@[127.0.0.1]', '"bob@[127.0.0.1]" is not an email address'],
    ['bob@1.2.3.4', '"bob@1.2.3.4" is not an email address'],
    ['"bob"@example.com', '"\\"bob\\"@example.com" is not an email address'],
    ['bob smith@example.com', '"bob smith@example.com" is not an email address'],
    ['<bob@example.com>', '"<bob@example.com>" is not an email address'],
    ['a@example.com, b@example.com', '"a@example.com, b@example.com" is not an email address'],
    ['a@example.com;b@example.com', '"a@example.com;b@example.com" is not an email address'],
    ['.bob@example.com', '".bob@example.com" is not an email address'],
    ['bob@-example.com', '"bob@-example.com" is not an email address'],
    ['zoë@example.com', '"zoë@example.com" is not an email address'],
    ['bob@example.com\r\nBcc: all@example.com', 'contains a line break or control character'],
    ['bob@example.com\u0000', 'contains a line break or control character'],
  ])('refuses the email %j', (email, reason) => {
    expect(errorsOf(customer({ email }))).toEqual([`line 7: email: ${reason}`]);
  });

  it('refuses an email longer than 254 characters', () => {
    const email = `${'a'.repeat(60)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(10)}.com`;
    expect(errorsOf(customer({ email }))[0]).toMatch(/email: is too long for an email address/);
  });

  it('refuses a line break or control character in a name', () => {
    for (const first_name of ['Ann\r\nBcc: x@example.com', 'Ann\u0000', 'Ann\tLee', 'Ann\u2028']) {
      expect(errorsOf(customer({ first_name }))).toEqual([
        'line 7: first_name: contains a line break or control character',
      ]);
    }
  });

  it('stores HTML and spreadsheet formulas in names as given (inert)', () => {
    const value = valueOf(customer({ first_name: '<b>Ann</b>', last_name: '=HYPERLINK("http://x","y")' }));
    expect(value.first_name).toBe('<b>Ann</b>');
    expect(value.last_name).toBe('=HYPERLINK("http://x","y")');
  });

  it('refuses a name over 200 characters', () => {
    expect(errorsOf(customer({ last_name: 'x'.repeat(201) }))).toEqual([
      'line 7: last_name: is too long (201 characters; at most 200)',
    ]);
  });

  it.each([
    ['1990-02-30', '"1990-02-30" is not a real date'],
    ['2023-02-29', '"2023-02-29" is not a real date'],
    ['1900-02-29', '"1900-02-29" is not a real date'],
    ['02-30', '"02-30" is not a real date'],
    ['13-01', '"13-01" is not a real date'],
    ['1990-13-01', '"1990-13-01" is not a real date'],
    ['1899-12-31', 'year 1899 is before 1900'],
    ['2027-01-01', 'year 2027 is in the future'],
    ['01/02/1990', '"01/02/1990" is not a date (use YYYY-MM-DD, or MM-DD when the year is unknown)'],
    ['1990-1-2', '"1990-1-2" is not a date (use YYYY-MM-DD, or MM-DD when the year is unknown)'],
  ])('refuses the birthday %j', (birthday, reason) => {
    expect(errorsOf(customer({ birthday }))).toEqual([`line 7: birthday: ${reason}`]);
  });

  it.each(['2024-02-29', '2000-02-29', '02-29', '12-31', '1900-01-01', '2026-12-31'])(
    'accepts the birthday %j as written',
    (birthday) => {
      expect(valueOf(customer({ birthday })).birthday).toBe(birthday);
    },
  );

  it('checks time zones and locales', () => {
    expect(errorsOf(customer({ timezone: 'Mars/Olympus' }))).toEqual([
      'line 7: timezone: "Mars/Olympus" is not an IANA time zone (use a name such as Europe/Paris or America/New_York)',
    ]);
    expect(valueOf(customer({ timezone: 'Europe/Kyiv' })).timezone).toBe('Europe/Kyiv');
    expect(valueOf(customer({ timezone: 'UTC' })).timezone).toBe('UTC');
    expect(valueOf(customer({ timezone: '' })).timezone).toBeUndefined();
    expect(errorsOf(customer({ locale: 'not a locale!' }))[0]).toMatch(
      /locale: "not a locale!" is not a locale/,
    );
    expect(valueOf(customer({ locale: 'zh-hant-tw' })).locale).toBe('zh-Hant-TW');
  });

  it('checks customer_since', () => {
    expect(valueOf(customer({ customer_since: '2020-01-31' })).customer_since).toBe('2020-01-31');
    expect(valueOf(customer({ customer_since: '2026-03-15' })).customer_since).toBe('2026-03-15');
    expect(errorsOf(customer({ customer_since: '2026-03-17' }))).toEqual([
      'line 7: customer_since: "2026-03-17" is in the future',
    ]);
    expect(errorsOf(customer({ customer_since: '2021-02-29' }))).toEqual([
      'line 7: customer_since: "2021-02-29" is not a real date',
    ]);
    expect(errorsOf(customer({ customer_since: 'last year' }))[0]).toMatch(/is not a date \(use YYYY-MM-DD/);
  });

  it('reads subscribed in many spellings', () => {
    const read = (subscribed: unknown) => valueOf(customer({ subscribed })).subscribed;
    expect([read('TRUE'), read('yes'), read('1'), read(true)]).toEqual(Array(4).fill(true));
    expect([read(''), read(null), read(undefined)]).toEqual(Array(3).fill(undefined));
    expect([read('False'), read('NO'), read('0'), read(false), read(0)]).toEqual(Array(5).fill(false));
    expect(errorsOf(customer({ subscribed: 'maybe' }))[0]).toMatch(
      /subscribed: "maybe" is not true or false/,
    );
  });

  it('checks tags', () => {
    expect(valueOf(customer({ tags: ['a', ' b ', 'a', ''] })).tags).toEqual(['a', 'b']);
    expect(errorsOf(customer({ tags: 'ok;' + 't'.repeat(65) }))[0]).toMatch(
      /tags: tag ".*" is longer than 64/,
    );
    expect(errorsOf(customer({ tags: 'a\nb' }))[0]).toMatch(/tags: tag "a\\nb" contains a line break/);
    expect(errorsOf(customer({ tags: [1, 2] }))[0]).toMatch(/tags: must be a list of strings/);
  });

  it('keeps other columns as text attributes', () => {
    const value = valueOf(
      customer({ points: 12, vip: true, address: { city: 'Lyon' }, note: 'line 1\nline 2' }),
    );
    expect(value.attributes).toEqual({
      points: '12',
      vip: 'true',
      address: '{"city":"Lyon"}',
      note: 'line 1\nline 2',
    });
  });

  it('refuses a JSON Lines key that is a known column in other case, instead of keeping it as an attribute', () => {
    expect(errorsOf(customer({ Birthday: '05-17' }))).toEqual([
      'line 7: Birthday: is the column "birthday": write the key in lower case',
    ]);
  });

  it('refuses unusable attribute names and values', () => {
    expect(errorsOf(customer({ 'first name': 'x', __proto__x: 'y', 'a/b': 'z' }))).toEqual([
      expect.stringMatching(/^line 7: first name: "first name" is not a usable column name/),
      expect.stringMatching(/^line 7: a\/b: "a\/b" is not a usable column name/),
    ]);
    const proto = JSON.parse('{"id":"c1","email":"a@example.com","__proto__":"x"}') as Record<
      string,
      unknown
    >;
    expect(errorsOf(validateCustomer(proto, 1, NOW))).toEqual([
      'line 1: __proto__: "__proto__" is a reserved name; rename the column',
    ]);
    expect(errorsOf(customer({ note: 'a\u0000b' }))).toEqual([
      'line 7: note: contains a control character (only tabs and line breaks are allowed)',
    ]);
    expect(errorsOf(customer({ note: 'x'.repeat(2001) }))[0]).toMatch(/note: is too long/);
  });

  it('refuses text that was not UTF-8 and lists or objects where text is expected', () => {
    expect(errorsOf(customer({ first_name: 'Zo\ufffd' }))[0]).toMatch(
      /first_name: contains characters that could not be read/,
    );
    expect(errorsOf(customer({ id: ['a'] }))).toEqual(['line 7: id: must be text, not a list or an object']);
  });

  it('reports every problem of a row at once', () => {
    expect(
      errorsOf(customer({ email: 'x', birthday: '02-30', timezone: 'Nowhere' })).map((e) => e.split(':')[1]),
    ).toEqual([' email', ' birthday', ' timezone']);
  });
});

describe('show', () => {
  it('quotes, escapes control characters and truncates long values', () => {
    expect(show('a\r\nb\u0000c')).toBe('"a\\r\\nb\\u0000c"');
    expect(show('x\u2028y\u202e')).toBe('"x\\u2028y\\u202e"');
    expect(show('y'.repeat(100))).toBe(`"${'y'.repeat(60)}…"`);
    expect(show('😀'.repeat(61))).toBe(`"${'😀'.repeat(60)}…"`);
  });

  it('keeps every error message on one line and short', () => {
    const email = `${'bad'.repeat(30)}@@`;
    const [message] = errorsOf(customer({ email }));
    expect(message).toMatch(/…" is not an email address$/);
    expect(message!.length).toBeLessThan(120);
    expect(errorsOf(customer({ timezone: 'Bad\nZone' }))[0]).toBe(
      'line 7: timezone: contains a line break or control character',
    );
  });
});

describe('validateCustomer: country and region', () => {
  it('upper-cases a country and keeps a region without its country prefix', () => {
    expect(valueOf(customer({ country: ' ca ', region: 'ca-on' }))).toMatchObject({
      country: 'CA',
      region: 'ON',
    });
    expect(valueOf(customer({ country: 'AU', region: 'NSW' }))).toMatchObject({
      country: 'AU',
      region: 'NSW',
    });
    // Empty cells keep what is stored; (clear) clears it.
    const empty = valueOf(customer({ country: '', region: '' }));
    expect([empty.country, empty.region]).toEqual([undefined, undefined]);
    expect(valueOf(customer({ country: '(clear)', region: '(clear)' }))).toMatchObject({
      country: null,
      region: null,
    });
  });

  it('refuses codes that are not countries, and a region of another country', () => {
    expect(errorsOf(customer({ country: 'XY' }))).toEqual([
      'line 7: country: "XY" is not an ISO 3166-1 country code (two letters, e.g. US, CA, GR)',
    ]);
    expect(errorsOf(customer({ country: 'EU' }))[0]).toMatch(/country: "EU" is not an ISO 3166-1/);
    expect(errorsOf(customer({ country: 'Canada' }))[0]).toMatch(/country: "Canada" is not/);
    expect(errorsOf(customer({ country: 'CA', region: 'US-NY' }))).toEqual([
      'line 7: region: "US-NY" is a region of US, not of the customer\'s country CA',
    ]);
    expect(errorsOf(customer({ region: 'Ontario' }))[0]).toMatch(
      /region: "Ontario" is not an ISO 3166-2 subdivision code/,
    );
  });
});
