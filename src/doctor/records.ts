/**
 * Reading SPF, DKIM and DMARC records: the judgements are pure (records in, a check line out);
 * only counting SPF look-ups follows includes through DNS.
 */
import { createPublicKey } from 'node:crypto';
import { fail, pass, warn, type CheckResult } from './check.js';
import type { Dns } from './dns.js';

const SPF_TERM =
  /^[+\-~?]?(all|include:[^\s]+|a(:[^\s/]+)?(\/\d{1,3}){0,2}|mx(:[^\s/]+)?(\/\d{1,3}){0,2}|ptr(:[^\s]+)?|ip4:[0-9./]+|ip6:[0-9a-f:./]+|exists:[^\s]+)$/i;
const SPF_MODIFIER = /^[a-z][a-z0-9_.-]*=[^\s]*$/i;
/** RFC 7208 4.6.4: at most 10 mechanisms and modifiers that look up DNS. */
const SPF_LOOKUP_LIMIT = 10;

function spfRecords(txt: readonly string[]): string[] {
  return txt.filter((t) => /^v=spf1(\s|$)/i.test(t.trim()));
}

/** Terms that are not SPF: a typo here makes receivers treat the whole record as an error. */
export function spfSyntaxErrors(record: string): string[] {
  return record
    .trim()
    .split(/\s+/)
    .slice(1)
    .filter((term) => !SPF_TERM.test(term) && !SPF_MODIFIER.test(term));
}

function lookupTerms(record: string): { count: number; includes: string[] } {
  let count = 0;
  const includes: string[] = [];
  for (const term of record.trim().split(/\s+/).slice(1)) {
    const t = term.replace(/^[+\-~?]/, '').toLowerCase();
    if (/^(a|mx|ptr)([:/]|$)|^exists:/.test(t)) count++;
    else if (t.startsWith('include:') || t.startsWith('redirect=')) {
      count++;
      includes.push(t.slice(t.indexOf(t.startsWith('include:') ? ':' : '=') + 1));
    }
  }
  return { count, includes };
}

/** DNS look-ups an SPF check of this record costs, includes followed (stops counting past the limit). */
export async function countSpfLookups(record: string, dns: Dns, depth = 0): Promise<number> {
  const { count, includes } = lookupTerms(record);
  let total = count;
  for (const domain of includes) {
    if (total > SPF_LOOKUP_LIMIT || depth >= SPF_LOOKUP_LIMIT) break;
    const inner = spfRecords(await dns.txt(domain))[0];
    if (inner) total += await countSpfLookups(inner, dns, depth + 1);
  }
  return total;
}

export async function checkSpf(domain: string, dns: Dns): Promise<CheckResult> {
  const name = `spf (${domain})`;
  const records = spfRecords(await dns.txt(domain));
  const add = `publish one TXT record at ${domain} such as "v=spf1 include:YOUR-RELAY ~all"`;
  if (records.length === 0) return fail(name, `no SPF record at ${domain}`, add);
  if (records.length > 1)
    return fail(
      name,
      `${records.length} SPF records at ${domain}; receivers treat that as an error`,
      'merge them into one TXT record',
    );
  const record = records[0] ?? '';
  const bad = spfSyntaxErrors(record);
  if (bad.length > 0)
    return fail(name, `"${record}": not SPF: ${bad.join(', ')}`, 'correct or remove those terms');
  const lookups = await countSpfLookups(record, dns);
  if (lookups > SPF_LOOKUP_LIMIT) {
    return fail(
      name,
      `"${record}" needs ${lookups} DNS look-ups (at most ${SPF_LOOKUP_LIMIT})`,
      'replace includes you do not send through, or flatten them into ip4:/ip6: terms',
    );
  }
  if (/\+all\b/i.test(record) || / all$/i.test(record))
    return warn(name, `"${record}" lets anyone send as ${domain}`, 'end the record with ~all or -all');
  return pass(name, `"${record}" (${lookups} look-ups)`);
}

function tags(record: string): Map<string, string> {
  return new Map(
    record
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => [
        part.slice(0, part.indexOf('=')).trim().toLowerCase(),
        part.slice(part.indexOf('=') + 1).replace(/\s+/g, ''),
      ]),
  );
}

export async function checkDkim(
  domain: string,
  selector: string,
  privateKey: string,
  dns: Dns,
): Promise<CheckResult> {
  const at = `${selector}._domainkey.${domain}`;
  const name = `dkim (${at})`;
  const expected = createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
  const publish = `publish TXT "v=DKIM1; k=rsa; p=${expected}" at ${at}`;
  const records = (await dns.txt(at)).filter((t) => /(^|;)\s*p=/.test(t));
  if (records.length === 0) return fail(name, `no DKIM key at ${at}`, publish);
  const published = tags(records[0] ?? '').get('p') ?? '';
  if (published === '') return fail(name, `the key at ${at} is revoked (empty p=)`, publish);
  if (published !== expected)
    return fail(name, `the key at ${at} does not match smtp.dkim.private_key_file`, publish);
  return pass(name, `the key at ${at} matches the configured private key`);
}

export async function checkDmarc(domain: string, dns: Dns): Promise<CheckResult> {
  const at = `_dmarc.${domain}`;
  const name = `dmarc (${at})`;
  const records = (await dns.txt(at)).filter((t) => /^v=DMARC1\s*(;|$)/i.test(t.trim()));
  if (records.length === 0)
    return fail(
      name,
      `no DMARC record at ${at}`,
      `publish TXT "v=DMARC1; p=none; rua=mailto:dmarc@${domain}" at ${at}, then tighten p= once reports look clean`,
    );
  const policy = tags(records[0] ?? '')
    .get('p')
    ?.toLowerCase();
  if (policy === 'quarantine' || policy === 'reject') return pass(name, `policy ${policy}`);
  if (policy === 'none')
    return warn(
      name,
      'policy none: receivers are told to act on nothing',
      'move to p=quarantine once DMARC reports show only your own mail',
    );
  return fail(name, `"${records[0]}" has no valid p= policy`, 'set p=none, p=quarantine or p=reject');
}

export async function checkMx(domain: string, role: 'from' | 'bounces', dns: Dns): Promise<CheckResult> {
  const name = `mx (${role}: ${domain})`;
  const records = (await dns.mx(domain)).filter((r) => r.exchange !== '' && r.exchange !== '.');
  if (records.length > 0) {
    const hosts = records.sort((a, b) => a.priority - b.priority).map((r) => `${r.priority} ${r.exchange}`);
    return pass(name, hosts.join(', '));
  }
  if (role === 'bounces')
    return fail(
      name,
      `no MX for ${domain}: bounces to it cannot be delivered`,
      `publish an MX record for ${domain} pointing at the server of the bounce mailbox`,
    );
  return warn(
    name,
    `no MX for ${domain}: replies to your From address cannot be delivered, and some receivers refuse such senders`,
    `publish an MX record for ${domain}`,
  );
}
