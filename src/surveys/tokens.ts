/**
 * Survey links: `PUBLIC_URL/s/TOKEN?score=N`. The token is signed with the link key and names
 * the message (delivery), its customer, the scale, and when it stops working; the score is
 * not signed — it is what the customer chooses.
 */
import { checkToken, signToken, type LinkToken } from '../links/tokens.js';
import { isSurveyKind, scoresOf, type SurveyKind } from './scale.js';

export interface SurveyToken {
  customerId: string;
  deliveryId: number;
  kind: SurveyKind;
  /** Epoch ms after which the link answers 410. */
  expiresAt: number;
}

/** Scope letter of survey tokens: unsubscribe pages refuse them, and they refuse others. */
const SCOPE = 's';

export interface SurveyLinkInput {
  customerId: string;
  deliveryId: number;
  now: number;
  expiresMs: number;
}

/** The signed survey address of one message, per scale (add `?score=N`). */
export type SurveyLinks = Record<SurveyKind, string>;

export function surveyLinks(publicUrl: string, key: string, input: SurveyLinkInput): SurveyLinks {
  const base = publicUrl.replace(/\/+$/, '');
  const t = Math.floor(input.now / 1000);
  const x = Math.floor((input.now + input.expiresMs) / 1000);
  const link = (k: SurveyKind) => {
    // d: the message, k: the scale, x: the end of the link's life (seconds).
    const payload: LinkToken & Record<string, unknown> = {
      c: input.customerId,
      s: SCOPE,
      t,
      d: input.deliveryId,
      k,
      x,
    };
    return `${base}/s/${signToken(key, payload)}`;
  };
  return { csat: link('csat'), nps: link('nps') };
}

/** Every score link of one scale, in order: what the template helper and tests use. */
export function scoreLinks(base: string, kind: SurveyKind): Array<{ score: number; url: string }> {
  return scoresOf(kind).map((score) => ({ score, url: `${base}?score=${score}` }));
}

export function readSurveyToken(
  key: string,
  text: string,
  now: number,
): { token: SurveyToken } | { problem: 'invalid' | 'expired' } {
  // The token carries its own end (x); the link key's general lifetime does not apply.
  const checked = checkToken(key, text, now, Number.POSITIVE_INFINITY);
  if (!('token' in checked)) return checked;
  const raw = checked.token as unknown as Record<string, unknown>;
  const { d, k, x } = raw;
  if (raw.s !== SCOPE || !Number.isSafeInteger(d) || !isSurveyKind(k) || !Number.isSafeInteger(x)) {
    return { problem: 'invalid' };
  }
  const token: SurveyToken = {
    customerId: checked.token.c,
    deliveryId: d as number,
    kind: k,
    expiresAt: (x as number) * 1000,
  };
  return now > token.expiresAt ? { problem: 'expired' } : { token };
}
