/** `rapport message DELIVERY_ID [--raw|--json]`: a sent message exactly as the relay got it. */
import { createHash } from 'node:crypto';
import { getMessage } from '../db/delivery-messages.js';
import { AppError } from '../errors.js';
import { withRuntime, type GlobalOptions } from './context.js';
import type { Io } from './io.js';

export async function messageCommand(
  io: Io,
  id: string,
  options: GlobalOptions & { raw?: boolean; json?: boolean },
): Promise<number> {
  if (!/^[1-9][0-9]{0,14}$/.test(id))
    throw new AppError('E_USAGE', `"${id}" is not a delivery id (see rapport deliveries)`);
  if (options.raw && options.json) throw new AppError('E_USAGE', '--raw and --json: choose one');
  return withRuntime(io, options, async (rt) => {
    const stored = await getMessage(rt.db.knex, Number(id));
    if (!stored) {
      throw new AppError(
        'E_NOT_FOUND',
        `delivery ${id} has no stored message: only messages sent since templates moved to the database are kept`,
      );
    }
    const sha256 = createHash('sha256').update(stored.mime).digest('hex');
    if (sha256 !== stored.mimeSha256) {
      throw new AppError(
        'E_MESSAGE_CORRUPT',
        `delivery ${id}: the stored copy does not match its recorded SHA-256`,
      );
    }
    const mime = stored.mime.toString('utf8');
    if (options.raw) io.out(mime);
    else if (options.json) {
      io.out(
        JSON.stringify({
          id: stored.deliveryId,
          template: stored.template,
          template_version: stored.templateVersion,
          requested_locale: stored.requestedLocale,
          resolved_locale: stored.resolvedLocale,
          subject: stored.subject,
          mime_sha256: stored.mimeSha256,
          mime,
        }),
      );
    } else {
      const version = stored.templateVersion === null ? '' : ` v${stored.templateVersion}`;
      const locale = `${stored.resolvedLocale} (customer: ${stored.requestedLocale ?? 'none'})`;
      io.out(
        [
          `delivery  ${stored.deliveryId}`,
          `template  ${stored.template}${version}`,
          `locale    ${locale}`,
          `subject   ${stored.subject}`,
          `sha256    ${stored.mimeSha256}`,
          '',
          mime,
        ].join('\n'),
      );
    }
    return 0;
  });
}
