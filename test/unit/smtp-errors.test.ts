// Who an SMTP refusal is about (us, one recipient, one message), by the step it answered and
// the enhanced status code, and what that means for the message and for sending as a whole.
import { describe, expect, it } from 'vitest';
import { classifySmtpError, enhancedCode } from '../../src/deliver/smtp-errors.js';

interface Fields {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
  command?: string;
}

const err = (fields: Fields) =>
  Object.assign(new Error(fields.message ?? fields.response ?? 'failed'), fields);

/** A refusal as nodemailer's SMTPConnection reports it: the reply, its code, and the step. */
const reply = (
  command: string,
  response: string,
  code = command === 'DATA' ? 'EMESSAGE' : 'EENVELOPE',
): Fields => ({
  code,
  command,
  response,
  responseCode: Number(response.slice(0, 3)),
});

describe('classifySmtpError: who is refused', () => {
  it.each([
    // About us: pause, never fail or suppress the customer.
    [
      '553 5.1.8 at MAIL FROM',
      reply('MAIL FROM', '553 5.1.8 <shop@corner.example>: Sender address rejected: Domain not found'),
      'sender-refused',
    ],
    ['550 5.7.1 at MAIL FROM', reply('MAIL FROM', '550 5.7.1 Sender not authorized'), 'sender-refused'],
    ['550 without an enhanced code at MAIL FROM', reply('MAIL FROM', '550 Not allowed'), 'sender-refused'],
    [
      '451 4.3.0 at MAIL FROM (every message would meet it)',
      reply('MAIL FROM', '451 4.3.0 Local error'),
      'sender-refused',
    ],
    ['553 5.1.7 at MAIL FROM', reply('MAIL FROM', '553 5.1.7 Bad sender address syntax'), 'sender-refused'],
    [
      '553 5.1.8 at RCPT TO (a relay that delays sender checks)',
      reply('RCPT TO', '553 5.1.8 <shop@x>: Sender address rejected'),
      'sender-refused',
    ],
    [
      '450 4.1.8 at RCPT TO',
      reply('RCPT TO', '450 4.1.8 <shop@x>: Sender address rejected: Domain not found'),
      'sender-refused',
    ],
    [
      '554 5.7.1 relay access denied at RCPT TO',
      reply('RCPT TO', '554 5.7.1 <ada@example.com>: Relay access denied'),
      'sender-refused',
    ],
    [
      '550 5.7.1 client host blocked at RCPT TO',
      reply('RCPT TO', '550 5.7.1 Client host [192.0.2.1] blocked using zen.spamhaus.org'),
      'sender-refused',
    ],
    [
      '550 5.7.1 sender policy at RCPT TO',
      reply('RCPT TO', '550 5.7.1 <shop@x>: Sender address rejected: Access denied'),
      'sender-refused',
    ],
    [
      '550 5.7.26 unauthenticated at DATA',
      reply('DATA', '550-5.7.26 This mail is unauthenticated, which poses a security risk'),
      'sender-refused',
    ],
    ['550 5.7.23 SPF at DATA', reply('DATA', '550 5.7.23 SPF validation failed'), 'sender-refused'],
    [
      '535 5.7.8 wrong password at login',
      { code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, response: '535 5.7.8 Invalid credentials' },
      'sender-refused',
    ],
    [
      '530 5.7.0 authentication required at MAIL FROM',
      reply('MAIL FROM', '530 5.7.0 Authentication required'),
      'sender-refused',
    ],
    [
      '554 at the greeting',
      { code: 'EPROTOCOL', command: 'CONN', responseCode: 554, response: '554 5.7.1 No SMTP service here' },
      'sender-refused',
    ],
    // One recipient's address is gone: fail it and suppress the address.
    [
      '550 5.1.1 at RCPT TO',
      reply('RCPT TO', '550 5.1.1 <ada@example.com>: User unknown'),
      'address-rejected',
    ],
    [
      '550 5.1.2 at RCPT TO',
      reply('RCPT TO', '550 5.1.2 Bad destination system address'),
      'address-rejected',
    ],
    [
      '553 5.1.3 at RCPT TO',
      reply('RCPT TO', '553 5.1.3 Bad destination mailbox address syntax'),
      'address-rejected',
    ],
    [
      '550 5.1.10 at RCPT TO',
      reply('RCPT TO', '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found'),
      'address-rejected',
    ],
    [
      '550 5.2.1 at RCPT TO',
      reply('RCPT TO', '550 5.2.1 Mailbox disabled, not accepting messages'),
      'address-rejected',
    ],
    // One message: fail it, suppress nothing.
    ['550 5.1.1 at DATA (not the RCPT step)', reply('DATA', '550 5.1.1 User unknown'), 'permanent'],
    ['550 5.1.6 mailbox moved at RCPT TO', reply('RCPT TO', '550 5.1.6 Mailbox has moved'), 'permanent'],
    ['550 without an enhanced code at RCPT TO', reply('RCPT TO', '550 No such user'), 'permanent'],
    [
      '554 5.7.1 recipient policy at RCPT TO',
      reply('RCPT TO', '554 5.7.1 <ada@x>: Recipient address rejected: Access denied'),
      'permanent',
    ],
    ['554 5.7.1 spam content at DATA', reply('DATA', '554 5.7.1 Message rejected as spam'), 'permanent'],
    ['552 5.3.4 too big at DATA', reply('DATA', '552 5.3.4 Message too big'), 'permanent'],
    [
      '552 5.3.4 too big at MAIL FROM (SIZE)',
      reply('MAIL FROM', '552 5.3.4 Message size exceeds fixed limit'),
      'permanent',
    ],
    [
      'nodemailer refusing a message over SIZE',
      { code: 'EMESSAGE', command: 'MAIL FROM', message: 'Message size larger than allowed 1000' },
      'permanent',
    ],
    ['554 5.6.0 at DATA', reply('DATA', '554 5.6.0 Message refused'), 'permanent'],
    // Later.
    ['552 5.2.2 mailbox full at RCPT TO', reply('RCPT TO', '552 5.2.2 Mailbox full'), 'temporary'],
    ['552 5.2.2 mailbox full at DATA', reply('DATA', '552 5.2.2 Over quota'), 'temporary'],
    [
      '450 4.7.1 greylisted at RCPT TO',
      reply('RCPT TO', '450 4.7.1 <ada@x>: Recipient address rejected: Greylisted'),
      'temporary',
    ],
    ['451 4.3.0 at DATA', reply('DATA', '451 4.3.0 Try again later'), 'temporary'],
    ['503 bad sequence', reply('DATA', '503 5.5.1 Bad sequence of commands'), 'temporary'],
    [
      '421 at MAIL FROM (slow down, not a refusal)',
      reply('MAIL FROM', '421 4.7.0 Too many connections'),
      'temporary',
    ],
  ])('%s → %s', (_label, fields, kind) => {
    expect(classifySmtpError(err(fields)).kind).toBe(kind);
  });

  it.each([
    [
      '421 slow down',
      reply('DATA', '421 4.7.0 Too many'),
      { kind: 'temporary', systemic: true, slowDown: true },
    ],
    ['454 slow down', reply('RCPT TO', '454 4.7.0 Busy'), { kind: 'temporary', slowDown: true }],
    [
      'connection refused',
      { code: 'ECONNECTION', command: 'CONN', message: 'connect ECONNREFUSED 127.0.0.1:25' },
      { kind: 'temporary', systemic: true },
    ],
    ['socket timeout', { code: 'ETIMEDOUT', message: 'Timeout' }, { kind: 'temporary', systemic: true }],
    [
      '4xx greeting',
      { code: 'EPROTOCOL', command: 'CONN', responseCode: 450, response: '450 busy' },
      { kind: 'temporary', systemic: true },
    ],
    [
      '451 at DATA: this message only',
      reply('DATA', '451 4.3.0 Later'),
      { kind: 'temporary', systemic: false, slowDown: false },
    ],
  ])('%s', (_label, fields, expected) => {
    expect(classifySmtpError(err(fields))).toMatchObject(expected);
  });

  it('reports the step and the enhanced code', () => {
    const failure = classifySmtpError(err(reply('MAIL FROM', '553 5.1.8 Sender address rejected')));
    expect(failure).toMatchObject({ stage: 'MAIL FROM', code: 553, enhanced: '5.1.8' });
    expect(
      classifySmtpError(err({ code: 'EAUTH', command: 'AUTH LOGIN', responseCode: 535, response: '535 no' }))
        .stage,
    ).toBe('session');
  });

  it('names the reply code once, on one line', () => {
    const failure = classifySmtpError(err({ responseCode: 550, response: 'Mailbox\r\n  unavailable' }));
    expect(failure.message).toBe('550 Mailbox unavailable');
    expect(classifySmtpError(err({ responseCode: 550, response: '550 5.1.1 Gone' })).message).toBe(
      '550 5.1.1 Gone',
    );
  });
});

describe('enhancedCode', () => {
  it.each([
    ['550 5.1.1 <a@b>: User unknown', '5.1.1'],
    ['550-5.7.26 Unauthenticated', '5.7.26'],
    ['550 5.1.10 Recipient not found', '5.1.10'],
    ['452 4.2.2 Over quota.', '4.2.2'],
    ['550 Mailbox unavailable', null],
    ['550 Version 1.2.3 of nothing', null],
  ])('%s → %s', (text, code) => {
    expect(enhancedCode(text)).toBe(code);
  });
});
