/**
 * The records Rapport works with, after validation at the boundary (import, API).
 * Times are epoch milliseconds (UTC); calendar dates are ISO strings.
 */

export interface Customer {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  /** `YYYY-MM-DD`, or `MM-DD` when the year is not known. */
  birthday: string | null;
  /** IANA zone; null means the business's zone. */
  timezone: string | null;
  locale: string | null;
  /** ISO 3166-1 alpha-2 country (`US`); null or absent means the business's country. */
  country?: string | null;
  /** ISO 3166-2 subdivision within the country, without the country prefix (`ON`, `NSW`). */
  region?: string | null;
  /** `YYYY-MM-DD`: the local date the customer relationship started. */
  customer_since: string | null;
  tags: string[];
  /** false after a marketing opt-out at import time; opt-outs recorded later live in the consent log. */
  subscribed: boolean;
  /** Any other imported column, kept as text. */
  attributes: Record<string, string>;
  created_at: number;
  updated_at: number;
}

/** A customer as imported or posted: the stored record without the database's timestamps. */
export type CustomerInput = Omit<Customer, 'created_at' | 'updated_at'>;

/**
 * An imported or posted customer: only the fields it carries. A field left out (undefined)
 * keeps the stored value; null clears it. Attributes merge key by key (null removes a key).
 */
export type CustomerPatch = Pick<CustomerInput, 'id' | 'email'> & {
  [K in Exclude<keyof CustomerInput, 'id' | 'email' | 'attributes'>]?: CustomerInput[K];
} & { attributes: Record<string, string | null> };

export interface CustomerEvent {
  id: string;
  customer_id: string;
  type: string;
  occurred_at: number;
  /** Any other column of the event. */
  data: Record<string, unknown>;
}

/** An event as planning reads it: what happened to whom and when, without its data. */
export type EventPoint = Omit<CustomerEvent, 'data'>;

export interface ContentItem {
  id: string;
  title: string;
  url: string;
  published_at: number;
  summary: string | null;
  tags: string[];
}

/** A content item as imported or posted: summary and tags left out (undefined) keep the stored ones. */
export type ContentInput = Omit<ContentItem, 'summary' | 'tags'> & {
  summary?: string | null;
  tags?: string[];
};

/** The glossary of delivery statuses (the README's "Deliveries"). */
export const DELIVERY_STATUSES = [
  'pending',
  'sending',
  'sent',
  'failed',
  'expired',
  'skipped',
  'suppressed',
  // Sent, then returned by the receiving side (a bounce) or reported as spam (a complaint).
  'bounced',
  'complained',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
