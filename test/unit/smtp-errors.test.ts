// What each SMTP failure means for the message and for sending as a whole.
import { describe, expect, it } from 'vitest';
import { classifySmtpError } from '../../src/deliver/smtp-errors.js';

const err = (fields: { code?: string; responseCode?: number; response?: string; message?: string }) =>
  Object.assign(new Error(fields.message ?? fields.response ?? 'failed'), fields);

describe('classifySmtpError', () => {
  it.each([
    ['550 5.1.1 user unknown', { code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 No such user' }, { kind: 'address-rejected', systemic: false, slowDown: false }],
    ['552 message too big', { code: 'EMESSAGE', responseCode: 552, response: '552 5.3.4 Too big' }, { kind: 'permanent', systemic: false }],
    ['554 5.7.1 policy refusal', { code: 'EMESSAGE', responseCode: 554, response: '554 5.7.1 Rejected' }, { kind: 'permanent', systemic: false }],
    ['503 bad sequence (a session problem)', { code: 'EPROTOCOL', responseCode: 503, response: '503 Bad sequence' }, { kind: 'temporary' }],
    ['451 try later', { code: 'EMESSAGE', responseCode: 451, response: '451 4.3.0 Later' }, { kind: 'temporary', systemic: false, slowDown: false }],
    ['421 slow down', { code: 'EENVELOPE', responseCode: 421, response: '421 4.7.0 Too many' }, { kind: 'temporary', systemic: true, slowDown: true }],
    ['454 slow down', { code: 'EENVELOPE', responseCode: 454, response: '454 4.7.0 Busy' }, { kind: 'temporary', slowDown: true }],
    ['connection refused', { code: 'ECONNECTION', message: 'connect ECONNREFUSED 127.0.0.1:25' }, { kind: 'temporary', systemic: true }],
    ['socket timeout', { code: 'ETIMEDOUT', message: 'Timeout' }, { kind: 'temporary', systemic: true }],
    ['535 wrong password', { code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Invalid credentials' }, { kind: 'temporary', systemic: true }],
    ['530 authentication required', { code: 'EENVELOPE', responseCode: 530, response: '530 5.7.0 Authentication required' }, { kind: 'temporary', systemic: true }],
  ])('%s', (_label, fields, expected) => {
    expect(classifySmtpError(err(fields))).toMatchObject(expected);
  });

  it('names the reply code once, on one line', () => {
    const failure = classifySmtpError(err({ responseCode: 550, response: 'Mailbox\r\n  unavailable' }));
    expect(failure.message).toBe('550 Mailbox unavailable');
    expect(classifySmtpError(err({ responseCode: 550, response: '550 5.1.1 Gone' })).message).toBe('550 5.1.1 Gone');
  });
});
