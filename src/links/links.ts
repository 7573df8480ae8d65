/** The links every message carries: unsubscribe, preferences, feed. */
import { signToken } from './tokens.js';
import { feedUrl } from '../feed/service.js';

export interface Links {
  unsubscribe: string;
  preferences: string;
  feed: string;
}

export function linksFor(publicUrl: string, key: string, customerId: string, now: number): Links {
  const base = publicUrl.replace(/\/+$/, '');
  const t = Math.floor(now / 1000);
  return {
    unsubscribe: `${base}/u/${signToken(key, { c: customerId, s: 'u', t })}`,
    preferences: `${base}/u/${signToken(key, { c: customerId, s: 'p', t })}`,
    feed: feedUrl(publicUrl, null),
  };
}
