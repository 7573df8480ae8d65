/** `rapport doctor [--json]`: is the sending domain set up so that mail arrives? */
import { verpAddress } from '../bounces/verp.js';
import { createDns } from '../doctor/dns.js';
import { runDoctor } from '../doctor/run.js';
import { probeSender } from '../doctor/smtp-probe.js';
import { EXIT } from '../errors.js';
import { mailerOptions } from '../runtime.js';
import { withRuntime, type GlobalOptions } from './context.js';
import { jsonLines, type Io } from './io.js';

export async function doctorCommand(io: Io, options: GlobalOptions & { json?: boolean }): Promise<number> {
  return withRuntime(io, options, async (rt) => {
    const { config } = rt;
    const bounceDomain = config.bounces.domain;
    // The probe uses the envelope sender real mail uses: a signed VERP address, or the From address.
    const fromAddress = /<([^<>]+)>\s*$/.exec(config.business.from)?.[1] ?? config.business.from.trim();
    const sender = bounceDomain ? verpAddress(rt.signingKey, 0, bounceDomain) : fromAddress;
    const results = await runDoctor({
      config,
      dns: createDns(rt.loaded.dnsServer),
      dkimKey: mailerOptions(config).dkim?.privateKey ?? null,
      sender,
      probe: probeSender,
    });
    if (options.json) io.out(jsonLines(results));
    else {
      for (const r of results) {
        io.out(`${r.status.toUpperCase().padEnd(4)}  ${r.check}: ${r.detail}`);
        if (r.fix) io.out(`      fix: ${r.fix}`);
      }
    }
    return results.some((r) => r.status === 'fail') ? EXIT.failure : EXIT.ok;
  });
}
