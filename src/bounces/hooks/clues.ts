/** Building a BounceReport from a relay's JSON: the same clues returned mail gives, where the relay sends them. */
import { parseVerp } from '../verp.js';
import { normaliseAddress, oneLine, type BounceKind, type BounceReport } from '../report.js';
import { isRecord } from '../../unknown.js';

export interface HookOptions {
  verpKey: string;
  verpDomain?: string | undefined;
}

export interface HookFacts {
  kind: BounceKind | null;
  recipient: unknown;
  status?: unknown;
  diagnostic?: unknown;
  /** The envelope sender the relay saw (a VERP address when bounces.domain is set). */
  envelopeFrom?: unknown;
  /** Our X-Rapport-Message value, when the relay passes the message's headers on. */
  rapportId?: unknown;
  messageId?: unknown;
  fingerprint: string;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

export function hookReport(f: HookFacts, o: HookOptions): BounceReport {
  const from = text(f.envelopeFrom);
  const verp = from && o.verpDomain ? parseVerp(o.verpKey, from.replace(/^<|>$/g, ''), o.verpDomain) : null;
  const id = /^\s*(\d{1,15})\s*$/.exec(text(f.rapportId) ?? '')?.[1];
  const messageId = text(f.messageId);
  const status = /^[245]\.\d{1,3}\.\d{1,3}$/.exec(text(f.status) ?? '')?.[0] ?? null;
  return {
    kind: f.kind,
    recipient: normaliseAddress(text(f.recipient)),
    status,
    diagnostic: oneLine(text(f.diagnostic)),
    verpIds: verp === null ? [] : [verp],
    headerIds: id ? [Number(id)] : [],
    messageIds: messageId ? [messageId.startsWith('<') ? messageId : `<${messageId}>`] : [],
    fingerprint: f.fingerprint,
  };
}

/** A JSON object's property as an object (relay payloads are hostile input: nothing is assumed). */
export function obj(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}
