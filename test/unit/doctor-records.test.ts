import { describe, expect, it } from 'vitest';
import { checkSpf, countSpfLookups, spfSyntaxErrors } from '../../src/doctor/records.js';
import type { Dns } from '../../src/doctor/dns.js';

function fakeDns(txt: Record<string, string[]>): Dns {
  return { txt: async (name) => txt[name] ?? [], mx: async () => [] };
}

describe('SPF records', () => {
  it('ten look-ups pass, eleven fail (RFC 7208 4.6.4), includes and redirect followed', async () => {
    const dns = fakeDns({
      'ten.example': ['v=spf1 a mx include:inc.example redirect=red.example'],
      'inc.example': ['v=spf1 a:x.example mx:y.example exists:%{i}.z.example -all'],
      'red.example': ['v=spf1 a mx ptr -all'],
      'eleven.example': ['v=spf1 a mx include:inc.example redirect=red2.example'],
      'red2.example': ['v=spf1 a mx ptr exists:w.example -all'],
    });
    expect(await countSpfLookups('v=spf1 a mx include:inc.example redirect=red.example', dns)).toBe(10);
    expect((await checkSpf('ten.example', dns)).status).toBe('pass');
    expect((await checkSpf('eleven.example', dns)).status).toBe('fail');
  });

  it('ip4, ip6 and all cost nothing; a misspelt term is a syntax error; +all is a warning', async () => {
    expect(await countSpfLookups('v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 -all', fakeDns({}))).toBe(0);
    expect(spfSyntaxErrors('v=spf1 ip4:192.0.2.1 inclde:x.example ~all')).toEqual(['inclde:x.example']);
    expect(spfSyntaxErrors('v=spf1 a/24 mx:mail.example/24 exp=explain.example ?all')).toEqual([]);
    expect((await checkSpf('open.example', fakeDns({ 'open.example': ['v=spf1 +all'] }))).status).toBe(
      'warn',
    );
    expect(
      (await checkSpf('two.example', fakeDns({ 'two.example': ['v=spf1 -all', 'v=spf1 mx -all'] }))).status,
    ).toBe('fail');
  });
});
