/**
 * `rapport doctor`: is the sending domain set up so that mail arrives? SPF, DKIM and DMARC of the
 * From domain (and SPF of the bounce domain, which receivers check against the envelope sender),
 * MX of the From and bounce domains, an https public URL, and the relay accepting our sender.
 */
import type { Config } from '../config/schema.js';
import { redactUrl } from '../config/load.js';
import { domainOf } from '../deliver/compose.js';
import { fail, pass, warn, type CheckResult } from './check.js';
import type { Dns } from './dns.js';
import { checkDkim, checkDmarc, checkMx, checkSpf } from './records.js';
import type { ProbeResult } from './smtp-probe.js';
import { errnoCode } from '../error-fields.js';
import { describeError } from '../errors.js';

export interface DoctorDeps {
  config: Config;
  dns: Dns;
  /** The DKIM private key (PEM) when signing is configured. */
  dkimKey: string | null;
  /** The envelope sender our mail uses. */
  sender: string;
  probe(url: string, sender: string): Promise<ProbeResult>;
}

/** A look-up that fails (timeout, SERVFAIL) is itself a finding, not a crash of the whole report. */
async function guarded(check: string, run: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await run();
  } catch (error) {
    const code = errnoCode(error);
    const why = describeError(error);
    return fail(
      check,
      `could not check: ${code ?? why}`,
      'check that DNS (or RAPPORT_DNS) and the network are reachable, then run doctor again',
    );
  }
}

export async function runDoctor(d: DoctorDeps): Promise<CheckResult[]> {
  const from = domainOf(d.config.business.from);
  const bounces = d.config.bounces.domain?.toLowerCase();
  const dkim = d.config.smtp.dkim;
  const out: CheckResult[] = [];
  out.push(await guarded(`spf (${from})`, () => checkSpf(from, d.dns)));
  if (bounces && bounces !== from)
    out.push(await guarded(`spf (${bounces})`, () => checkSpf(bounces, d.dns)));
  if (dkim && d.dkimKey) {
    out.push(
      await guarded(`dkim (${dkim.selector}._domainkey.${dkim.domain})`, () =>
        checkDkim(dkim.domain, dkim.selector, d.dkimKey as string, d.dns),
      ),
    );
  } else {
    out.push(
      warn(
        'dkim',
        'mail is not DKIM-signed',
        'set smtp.dkim { domain, selector, private_key_file } and publish the public key',
      ),
    );
  }
  out.push(await guarded(`dmarc (_dmarc.${from})`, () => checkDmarc(from, d.dns)));
  out.push(await guarded(`mx (from: ${from})`, () => checkMx(from, 'from', d.dns)));
  if (bounces) out.push(await guarded(`mx (bounces: ${bounces})`, () => checkMx(bounces, 'bounces', d.dns)));
  out.push(publicUrl(d.config.http.public_url));
  out.push(await relay(d));
  return out;
}

function publicUrl(url: string): CheckResult {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return pass('public url', url);
  if (/^(127\.|localhost$|\[::1\]$)/.test(parsed.hostname)) {
    return fail(
      'public url',
      `${url} points at this machine: links in mail (unsubscribe) will not work for customers`,
      'set RAPPORT_PUBLIC_URL to the https address customers reach',
    );
  }
  return warn(
    'public url',
    `${url} is not https: unsubscribe links travel in the clear and some clients flag them`,
    'serve Rapport behind https and set RAPPORT_PUBLIC_URL to it',
  );
}

async function relay(d: DoctorDeps): Promise<CheckResult> {
  const url = d.config.smtp.url;
  const name = 'relay accepts sender';
  if (url.startsWith('file:'))
    return warn(name, `mail is written to files (${url})`, 'set SMTP_URL to your relay to send for real');
  try {
    const r = await d.probe(url, d.sender);
    const where = redactUrl(url);
    if (r.code === 250) return pass(name, `${where} accepts MAIL FROM:<${d.sender}>`);
    const fix =
      'check the relay allows this sender (its verified domains or sender addresses) and the credentials in SMTP_URL';
    return r.code >= 500
      ? fail(name, `${where} answered ${r.reply}`, fix)
      : warn(name, `${where} answered ${r.reply}`, fix);
  } catch (error) {
    return fail(
      name,
      `could not talk to the relay: ${describeError(error)}`,
      'check SMTP_URL and that the relay is reachable',
    );
  }
}
