/**
 * Relay webhooks over real HTTP: SES (SNS-signed, SignatureVersion 1 and 2), Postmark (basic
 * auth) and Mailgun (HMAC of timestamp and token). Signed reports act as returned mail does; a
 * tampered or unsigned one gets 401 and stores nothing.
 */
import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { openTestRuntime, REPO } from '../support/runtime.js';
import { startTestHttp, type TestHttp } from '../support/http.js';
import { customer } from '../support/records.js';
import { database } from '../support/databases.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { listDeliveries } from '../../src/db/deliveries.js';
import { countBounceEvents } from '../../src/db/bounces.js';
import { getSuppression } from '../../src/db/suppressions.js';
import { snsStringToSign } from '../../src/bounces/hooks/sns.js';
import { runOnce } from '../../src/main.js';
import type { DbRuntime } from '../../src/runtime.js';

const NOW = Date.parse('2027-03-10T15:00:00Z');
const DOMAIN = 'bounces.corner.example';
const CERT = join(REPO, 'test/fixtures/sns/signing-cert.pem');
const KEY = readFileSync(join(REPO, 'test/fixtures/sns/signing-key.pem'), 'utf8');
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:rapport-bounces';
const POSTMARK_TOKEN = 'postmark-hook-token-0123';
const MAILGUN_KEY = 'key-mailgun-signing-0123456789';
const PEOPLE = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay'];

describe('relay webhooks', () => {
  const url = database('sqlite').fresh('file');
  let sink: SmtpSink;
  let rt: DbRuntime;
  let http: TestHttp;

  beforeAll(async () => {
    sink = await startSmtpSink();
    rt = await openTestRuntime({
      databaseUrl: url(),
      smtpUrl: sink.url,
      now: () => NOW,
      config: {
        bounces: {
          domain: DOMAIN,
          webhooks: {
            ses: { certificates: [CERT], topic_arn: TOPIC },
            postmark: { token: POSTMARK_TOKEN },
            mailgun: { signing_key: MAILGUN_KEY },
          },
        },
      },
    });
    const people = PEOPLE.map((id) => customer(id, { birthday: '03-10', timezone: 'America/New_York' }));
    await upsertCustomers(rt.db.knex, people, NOW - 86_400_000);
    await runOnce(rt);
    http = await startTestHttp(rt);
  });
  afterAll(async () => {
    await http?.close();
    await rt?.close();
    await sink?.close();
  });

  const sent = (id: string) => sink.messages.find((m) => m.envelope.to.includes(`${id}@example.com`));
  const statusOf = async (id: string) => (await listDeliveries(rt.db.knex, { customerId: id }))[0]?.status;
  const post = (relay: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${http.url}/hooks/bounces/${relay}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  function sesBounce(id: string, bounceType: string): Record<string, unknown> {
    const m = sent(id);
    return {
      notificationType: 'Bounce',
      bounce: {
        bounceType,
        bounceSubType: 'General',
        feedbackId: `0102017f-${id}-${bounceType}`,
        bouncedRecipients: [
          {
            emailAddress: `${id}@example.com`,
            action: 'failed',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550 5.1.1 user unknown',
          },
        ],
      },
      mail: { messageId: `ses-${id}`, source: m?.envelope.from, commonHeaders: { messageId: m?.messageId } },
    };
  }

  function snsEnvelope(
    inner: unknown,
    version: '1' | '2',
    key: string = KEY,
    type = 'Notification',
  ): Record<string, unknown> {
    const message: Record<string, unknown> = {
      Type: type,
      MessageId: `sns-${Math.random().toString(36).slice(2)}`,
      TopicArn: TOPIC,
      Message: JSON.stringify(inner),
      Timestamp: '2027-03-10T15:05:00.000Z',
      SignatureVersion: version,
      SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-example.pem',
      ...(type === 'Notification'
        ? {}
        : { Token: 'tok', SubscribeURL: 'https://sns.example/confirm?Token=tok' }),
    };
    message.Signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
      .update(snsStringToSign(message))
      .sign(key, 'base64');
    return message;
  }

  it('SES through SNS: a signed permanent bounce (v1) and complaint (v2) act; tampered, foreign-signed or wrong-topic get 401 and store nothing', async () => {
    const before = await countBounceEvents(rt.db.knex);
    const tampered = snsEnvelope(sesBounce('fay', 'Permanent'), '1');
    tampered.Message = JSON.stringify(sesBounce('ann', 'Permanent'));
    const foreignKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    const wrongTopic = { ...sesBounce('fay', 'Permanent') };
    const otherTopic = snsEnvelope(wrongTopic, '2');
    otherTopic.TopicArn = 'arn:aws:sns:eu-west-1:999999999999:someone-else';
    for (const body of [
      tampered,
      snsEnvelope(sesBounce('fay', 'Permanent'), '2', foreignKey),
      otherTopic,
      { ...snsEnvelope(sesBounce('fay', 'Permanent'), '1'), Signature: '' },
    ]) {
      expect((await post('ses', body)).status).toBe(401);
    }
    expect(await countBounceEvents(rt.db.knex)).toEqual(before);
    expect(await statusOf('ann')).toBe('sent');
    expect(await statusOf('fay')).toBe('sent');

    const bounce = snsEnvelope(sesBounce('ann', 'Permanent'), '1');
    const res = await post('ses', bounce);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: 'recorded', kind: 'hard' });
    expect(await statusOf('ann')).toBe('bounced');
    expect(await getSuppression(rt.db.knex, 'ann@example.com')).toMatchObject({ source: 'dsn' });
    // SNS delivers at least once: the same notification again changes nothing.
    expect(await (await post('ses', bounce)).json()).toEqual({ result: 'duplicate', kind: 'hard' });

    const complaint = {
      notificationType: 'Complaint',
      complaint: {
        complainedRecipients: [{ emailAddress: 'ben@example.com' }],
        complaintFeedbackType: 'abuse',
        feedbackId: 'c-ben',
      },
      mail: {
        messageId: 'ses-ben',
        source: sent('ben')?.envelope.from,
        commonHeaders: { messageId: sent('ben')?.messageId },
      },
    };
    expect((await post('ses', snsEnvelope(complaint, '2'))).status).toBe(200);
    expect(await statusOf('ben')).toBe('complained');

    const subscription = await post('ses', snsEnvelope({}, '1', KEY, 'SubscriptionConfirmation'));
    expect(await subscription.json()).toEqual({ result: 'ignored' });
  });

  it('Postmark: basic auth with the token; a wrong or missing one gets 401 and stores nothing', async () => {
    const body = {
      RecordType: 'Bounce',
      ID: 4323372036,
      Type: 'HardBounce',
      TypeCode: 1,
      Email: 'cat@example.com',
      Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
      Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
      BouncedAt: '2027-03-10T15:01:00Z',
    };
    const auth = (user: string, pass: string) => ({
      authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`,
    });
    const before = await countBounceEvents(rt.db.knex);
    expect((await post('postmark', body)).status).toBe(401);
    expect((await post('postmark', body, auth('postmark', 'wrong-token-0000'))).status).toBe(401);
    expect((await post('postmark', body, auth('someone', POSTMARK_TOKEN))).status).toBe(401);
    expect(await countBounceEvents(rt.db.knex)).toEqual(before);

    const res = await post('postmark', body, auth('postmark', POSTMARK_TOKEN));
    expect(await res.json()).toEqual({ result: 'recorded', kind: 'hard' });
    expect(await statusOf('cat')).toBe('bounced');
    const delayed = { ...body, ID: 4323372037, Type: 'Transient', Email: 'dan@example.com' };
    expect(await (await post('postmark', delayed, auth('postmark', POSTMARK_TOKEN))).json()).toEqual({
      result: 'recorded',
      kind: 'delayed',
    });
    expect(await statusOf('dan')).toBe('sent');
  });

  it('Mailgun: HMAC-SHA256 of timestamp and token with the signing key; tampered or stale gets 401', async () => {
    const signature = (timestamp: number, token: string) => ({
      timestamp: String(timestamp),
      token,
      signature: createHmac('sha256', MAILGUN_KEY).update(`${timestamp}${token}`).digest('hex'),
    });
    const m = sent('eve');
    const eventData = {
      event: 'failed',
      severity: 'permanent',
      reason: 'bounce',
      id: 'G9Bn5sl1TC6nu79C8C0bwg',
      recipient: 'eve@example.com',
      envelope: { sender: m?.envelope.from },
      'delivery-status': {
        code: 550,
        message: '5.1.1 The email account that you tried to reach does not exist',
        'enhanced-code': '5.1.1',
      },
      message: { headers: { 'message-id': m?.messageId?.replace(/^<|>$/g, '') } },
    };
    const now = Math.floor(NOW / 1000);
    const before = await countBounceEvents(rt.db.knex);
    const forged = { ...signature(now, 'a'.repeat(50)), token: 'b'.repeat(50) };
    for (const sig of [
      forged,
      signature(now - 3600, 'c'.repeat(50)),
      { timestamp: String(now), token: 'x' },
    ]) {
      expect((await post('mailgun', { signature: sig, 'event-data': eventData })).status).toBe(401);
    }
    expect(await countBounceEvents(rt.db.knex)).toEqual(before);

    const res = await post('mailgun', { signature: signature(now, 'd'.repeat(50)), 'event-data': eventData });
    expect(await res.json()).toEqual({ result: 'recorded', kind: 'hard' });
    expect(await statusOf('eve')).toBe('bounced');
    const retrying = {
      ...eventData,
      id: 'retry-1',
      severity: 'temporary',
      recipient: 'fay@example.com',
      envelope: {},
      message: {},
    };
    expect(
      await (
        await post('mailgun', { signature: signature(now, 'e'.repeat(50)), 'event-data': retrying })
      ).json(),
    ).toEqual({
      result: 'recorded',
      kind: 'delayed',
    });
    expect(await statusOf('fay')).toBe('sent');
  });

  it('/metrics shows the new statuses and the reports by kind', async () => {
    const text = await (await fetch(`${http.url}/metrics`)).text();
    expect(text).toContain('rapport_deliveries{automation="birthday",status="bounced"} 3');
    expect(text).toContain('rapport_deliveries{automation="birthday",status="complained"} 1');
    expect(text).toContain('rapport_bounce_reports{kind="hard"} 3');
    expect(text).toContain('rapport_bounce_reports{kind="complaint"} 1');
    expect(text).toContain('rapport_bounce_reports{kind="delayed"} 2');
  });
});
