/**
 * What a returned message or a relay's report says, whatever its shape: the kind of event, who it
 * is about, and every clue to which of our messages it concerns, strongest first.
 */

/** hard: permanent failure (5.x.x); soft: given up after temporary failures (4.x.x); delayed: still trying. */
export type BounceKind = 'hard' | 'soft' | 'delayed' | 'complaint' | 'auto-reply';

export interface BounceReport {
  /** null: not a report about a message we sent (or nothing actionable in it). */
  kind: BounceKind | null;
  /** The address the report is about (Final-Recipient, the complainant's address…), lower case. */
  recipient: string | null;
  /** Enhanced status code, e.g. 5.1.1. */
  status: string | null;
  /** The remote server's words, one line. */
  diagnostic: string | null;
  /** Strongest clue first: the delivery ids named by a VERP address we signed. */
  verpIds: number[];
  /** Delivery ids named by an X-Rapport-Message header anywhere in the report. */
  headerIds: number[];
  /** Message-IDs of the original message, as `<…>`. */
  messageIds: string[];
  /** The same report read twice has the same fingerprint: it is handled once. */
  fingerprint: string;
}

/** Which clue matched a report to a delivery. */
export type MatchedBy = 'verp' | 'header' | 'message-id' | 'recipient';

/** Enhanced status code class: 5 permanent, 4 transient, 2 success. */
export function statusClass(status: string | null): number | null {
  const m = /^([245])\.\d{1,3}\.\d{1,3}$/.exec(status ?? '');
  return m ? Number(m[1]) : null;
}

export function oneLine(text: string | null | undefined, max = 500): string | null {
  if (text === null || text === undefined) return null;
  const line = text.replace(/\s+/g, ' ').trim();
  return line === '' ? null : line.slice(0, max);
}

export function normaliseAddress(value: string | null | undefined): string | null {
  if (!value) return null;
  // Final-Recipient: rfc822; user@example.com — the address type is before the semicolon.
  const raw = value.includes(';') ? value.slice(value.indexOf(';') + 1) : value;
  const m = /<?([^<>\s;]+@[^<>\s;]+)>?/.exec(raw.trim());
  return m?.[1]?.toLowerCase() ?? null;
}
