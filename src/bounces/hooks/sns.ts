/**
 * Amazon SNS message signatures (how SES bounce and complaint notifications arrive over HTTP):
 * the fields of the message in a fixed order, signed with SHA1 (SignatureVersion 1) or SHA256
 * (SignatureVersion 2) by the key of SNS's signing certificate. The certificate is never fetched
 * from the message's SigningCertURL — a message could point anywhere — but taken from files the
 * operator trusts (bounces.webhooks.ses.certificates).
 */
import { createVerify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '../../errors.js';
import { str } from './clues.js';
import { errnoCode } from '../../error-fields.js';

const NOTIFICATION_FIELDS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'];
const SUBSCRIPTION_FIELDS = [
  'Message',
  'MessageId',
  'SubscribeURL',
  'Timestamp',
  'Token',
  'TopicArn',
  'Type',
];

export function snsStringToSign(message: Record<string, unknown>): string {
  const fields = message.Type === 'Notification' ? NOTIFICATION_FIELDS : SUBSCRIPTION_FIELDS;
  let out = '';
  for (const field of fields) {
    // Subject is signed only when present.
    if (message[field] === undefined || message[field] === null) continue;
    out += `${field}\n${str(message[field])}\n`;
  }
  return out;
}

/** True when one of the trusted certificates (PEM) verifies the message's signature. */
export function verifySnsSignature(
  message: Record<string, unknown>,
  certificates: readonly string[],
): boolean {
  const version = str(message.SignatureVersion);
  const algorithm = version === '1' ? 'RSA-SHA1' : version === '2' ? 'RSA-SHA256' : null;
  const signature = str(message.Signature);
  if (
    !algorithm ||
    signature === '' ||
    !['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'].includes(str(message.Type))
  ) {
    return false;
  }
  const payload = snsStringToSign(message);
  return certificates.some((pem) => {
    try {
      const key = new X509Certificate(pem).publicKey;
      return createVerify(algorithm).update(payload, 'utf8').verify(key, signature, 'base64');
    } catch {
      return false;
    }
  });
}

/** Reads the trusted certificates once, at start; a missing or malformed file stops start-up with its name. */
export function loadSnsCertificates(files: readonly string[]): string[] {
  return files.map((file, i) => {
    let pem: string;
    try {
      pem = readFileSync(resolve(file), 'utf8');
      new X509Certificate(pem);
    } catch (error) {
      const why = errnoCode(error) ?? 'not a PEM certificate';
      throw new AppError(
        'E_SNS_CERTIFICATE',
        `bounces.webhooks.ses.certificates[${i}]: cannot use ${file} (${why})`,
      );
    }
    return pem;
  });
}
