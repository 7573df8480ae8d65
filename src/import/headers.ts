/**
 * The column headers of real exports, recognised without a map. A header is compared by its
 * letters and digits only, lower-cased: `Email Address`, `email_address` and `E-mail address`
 * are one header (`emailaddress`).
 */
import type { ImportKind } from './types.js';

/** A header reduced to its lower-case letters and digits (accents dropped). */
export function headerKey(header: string): string {
  return header
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/**
 * The attribute name of an unmapped column: lower case, accents dropped, every run of other
 * characters one `_`, none at either end, at most 64 characters (`Total Spent ($)` →
 * `total_spent`). Empty when nothing is left.
 */
export function attributeName(header: string): string {
  return header
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64)
    .replace(/_+$/, '');
}

type Aliases = Readonly<Record<string, readonly string[]>>;

/**
 * Field → headers seen in exports, by header key. Shopify (customers and orders), Square
 * (customer directory), WooCommerce (customer report and order exports), Mailchimp (audience
 * export) and plain spreadsheets. The first column of a file matching a field wins.
 */
const CUSTOMER_ALIASES: Aliases = {
  id: [
    'id',
    'customerid',
    'squarecustomerid',
    'userid',
    'clientid',
    'contactid',
    'customernumber',
    'customerno',
    'kundennr',
    'kundennummer',
  ],
  email: ['email', 'emailaddress', 'mail', 'useremail', 'billingemail', 'customeremail', 'emailadresse'],
  first_name: ['firstname', 'givenname', 'forename', 'billingfirstname', 'fname', 'vorname', 'prenom'],
  last_name: ['lastname', 'surname', 'familyname', 'billinglastname', 'lname', 'nachname', 'nom'],
  birthday: ['birthday', 'birthdate', 'dateofbirth', 'dob', 'geburtstag', 'geburtsdatum'],
  timezone: ['timezone', 'tz', 'zone'],
  locale: ['locale', 'language', 'lang', 'preferredlanguage'],
  customer_since: [
    'customersince',
    'datecreated',
    'dateregistered',
    'createdat',
    'created',
    'signupdate',
    'firstvisit',
    'registered',
    'joined',
    'optintime',
  ],
  tags: ['tags', 'tag', 'groups', 'group', 'segments', 'labels'],
  subscribed: [
    'subscribed',
    'acceptsemailmarketing',
    'acceptsmarketing',
    'emailsubscriptionstatus',
    'emailmarketingconsent',
    'marketingoptin',
    'optin',
    'newsletter',
    'subscriptionstatus',
    'status',
  ],
};

const EVENT_ALIASES: Aliases = {
  id: ['id', 'eventid', 'orderid', 'ordernumber', 'transactionid', 'paymentid', 'name'],
  customer_id: ['customerid', 'squarecustomerid', 'userid', 'clientid', 'contactid'],
  customer_email: ['email', 'emailaddress', 'customeremail', 'billingemail'],
  type: ['type', 'eventtype', 'event', 'kind'],
  occurred_at: [
    'occurredat',
    'createdat',
    'date',
    'orderdate',
    'paidat',
    'datecreated',
    'time',
    'timestamp',
    'datetime',
  ],
};

const CONTENT_ALIASES: Aliases = {
  id: ['id', 'guid'],
  title: ['title', 'headline'],
  url: ['url', 'link', 'permalink'],
  published_at: ['publishedat', 'published', 'pubdate', 'date', 'postdate'],
  summary: ['summary', 'description', 'excerpt'],
  tags: ['tags', 'categories', 'category'],
};

const ALIASES: Record<ImportKind, Aliases> = {
  customers: CUSTOMER_ALIASES,
  events: EVENT_ALIASES,
  content: CONTENT_ALIASES,
};

/** The field a header stands for in `kind`, or undefined. */
export function fieldForHeader(kind: ImportKind, header: string): string | undefined {
  const key = headerKey(header);
  for (const [field, keys] of Object.entries(ALIASES[kind])) {
    if (keys.includes(key)) return field;
  }
  return undefined;
}
