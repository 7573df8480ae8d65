/**
 * The raw path (src/deliver/raw-message.ts) must send exactly what nodemailer's own composer
 * would have: same headers, same encodings, same bytes. The boundary is fixed on both sides.
 */
import { describe, expect, it } from 'vitest';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { SendMailOptions } from 'nodemailer';
import { simpleParser } from 'mailparser';
import { composeRaw } from '../../src/deliver/raw-message.js';

const base: SendMailOptions = {
  from: 'Corner Coffee <hello@corner.example>',
  to: { name: 'Maya Lindqvist', address: 'maya@example.com' },
  subject: 'Happy birthday, Maya!',
  text: 'Hi Maya,\n\nHappy birthday from all of us at Corner Coffee!\n',
  html: '<p style="margin:0 0 16px 0;">Hi Maya,</p>\n<p>Happy birthday from all of us at Corner Coffee! We hope today is full of good food, good company and a little time just for you.</p>',
  messageId: '<0123456789abcdef@corner.example>',
  date: new Date(Date.UTC(2025, 5, 11, 9, 0, 0)),
  headers: {
    'Auto-Submitted': 'auto-generated',
    'List-Unsubscribe': `<https://corner.example/u/${'a'.repeat(150)}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
  disableFileAccess: true,
  disableUrlAccess: true,
  baseBoundary: 'fixed-boundary',
} as SendMailOptions;

const cases: Array<[string, Partial<SendMailOptions>]> = [
  ['a typical marketing message', {}],
  [
    'a transactional one with Reply-To and no List headers',
    { replyTo: 'Owner <owner@corner.example>', headers: { 'Auto-Submitted': 'auto-generated' } },
  ],
  [
    'non-ASCII names and a long subject with emoji',
    {
      to: { name: 'Zoë Müller-Lüdenscheidt', address: 'zoe@example.com' },
      from: 'Café Crème <bonjour@creme.example>',
      subject: `Joyeux anniversaire, Zoë 🎉 ${'très '.repeat(25)}`,
    },
  ],
  ['quotes, commas and an empty name', { to: { name: 'Smith, "Jo" \\ Jr.', address: 'jo@example.com' } }],
  ['no name at all', { to: { name: '', address: 'anon@example.com' } }],
  [
    'long lines, leading dots, trailing spaces, unicode and CRLF',
    {
      text: `.starts with a dot\n..two dots\ntrailing   \n\ttab\t\n${'word '.repeat(40)}\nend — é ü 😀 \r\nlast line  `,
      html: `<p>${'x'.repeat(300)}</p>\n<p>=equals= and =3D</p>\n.<p>dot</p>\n<p>${'é'.repeat(100)}</p>   `,
    },
  ],
  ['plain 7-bit text', { text: 'Short and plain.\n', html: '<p>Short</p>' }],
  [
    'text that is mostly non-Latin',
    { text: '你好，世界。'.repeat(40), html: `<p>${'こんにちは'.repeat(50)}</p>` },
  ],
  ['an empty text part', { text: '' }],
];

async function composed(options: SendMailOptions): Promise<string> {
  return (
    await new MailComposer(options as ConstructorParameters<typeof MailComposer>[0]).compile().build()
  ).toString('utf8');
}

describe('composeRaw', () => {
  for (const [name, overrides] of cases) {
    it(`writes the same bytes as nodemailer: ${name}`, async () => {
      const options = { ...base, ...overrides } as SendMailOptions;
      const raw = composeRaw(options);
      const expected = await composed(options);
      if (raw === null) {
        // Only a shape we do not handle may fall back, and then nodemailer composes it.
        expect(['an empty text part', 'text that is mostly non-Latin']).toContain(name);
        return;
      }
      expect(raw.raw).toBe(expected);
      const parsed = await simpleParser(raw.raw);
      expect(parsed.subject?.trim()).toBe((options.subject as string).trim());
      expect(parsed.messageId).toBe(options.messageId);
    });
  }

  it('derives the envelope from the headers', () => {
    const raw = composeRaw(base);
    expect(raw?.envelope).toEqual({ from: 'hello@corner.example', to: ['maya@example.com'] });
  });

  it('falls back (null) for shapes it does not compose', () => {
    expect(composeRaw({ ...base, html: undefined })).toBeNull();
    expect(composeRaw({ ...base, attachments: [{ filename: 'a.txt', content: 'a' }] })).toBeNull();
    expect(composeRaw({ ...base, text: 'x'.repeat(70 * 1024) })).toBeNull();
  });

  it('gives each message its own boundary when none is fixed', () => {
    const { baseBoundary: _unused, ...options } = base as SendMailOptions & { baseBoundary?: string };
    const a = composeRaw(options)?.raw ?? '';
    const b = composeRaw(options)?.raw ?? '';
    const boundary = (s: string) => /boundary="([^"]+)"/.exec(s)?.[1];
    expect(boundary(a)).toBeTruthy();
    expect(boundary(a)).not.toBe(boundary(b));
  });
});
