/** `rapport bounces …` and `rapport suppressions`: what came back after sending, and why addresses are suppressed. */
import { readFile } from 'node:fs/promises';
import { EXIT } from '../errors.js';
import {
  getSuppression,
  listSuppressions,
  suppressionHistory,
  type Suppression,
} from '../db/suppressions.js';
import { bounceDeps, describeOutcome, handleReturnedMail, readBounceMailbox } from '../bounces/service.js';
import { AppError } from '../errors.js';
import { emailAddress, withRuntime, type GlobalOptions } from './context.js';
import { jsonLines, table, type Io } from './io.js';
import { errnoCode } from '../error-fields.js';

export async function bouncesImportCommand(io: Io, files: string[], options: GlobalOptions): Promise<number> {
  return withRuntime(io, options, async (rt) => {
    let unreadable = 0;
    for (const file of files) {
      let raw: Buffer;
      try {
        raw = await readFile(file);
      } catch (error) {
        io.err(`${file}: cannot read (${errnoCode(error) ?? 'error'})`);
        unreadable++;
        continue;
      }
      io.out(`${file}: ${describeOutcome(await handleReturnedMail(bounceDeps(rt), raw))}`);
    }
    return unreadable > 0 ? EXIT.failure : EXIT.ok;
  });
}

export async function bouncesProcessCommand(io: Io, options: GlobalOptions): Promise<number> {
  return withRuntime(io, options, async (rt) => {
    const imap = rt.config.bounces.imap;
    if (!imap) {
      throw new AppError(
        'E_BOUNCES_IMAP',
        'no bounce mailbox: set bounces.imap.url in the configuration or RAPPORT_BOUNCES_IMAP_URL',
      );
    }
    const r = await readBounceMailbox(rt, imap);
    const left = r.left > 0 ? `, ${r.left} left for the next pass` : '';
    io.out(
      `${r.processed} processed (moved to ${imap.processed}), ${r.unrecognised} unrecognised (moved to ${imap.unrecognised})${left}`,
    );
    return EXIT.ok;
  });
}

function suppressionJson(s: Suppression & { action?: string }): Record<string, unknown> {
  return {
    email: s.email,
    ...(s.action ? { action: s.action } : {}),
    source: s.source,
    reason: s.reason,
    delivery_id: s.delivery_id,
    date: new Date(s.created_at).toISOString(),
  };
}

export async function suppressionsCommand(
  io: Io,
  email: string | undefined,
  options: GlobalOptions & { json?: boolean },
): Promise<number> {
  const address = email === undefined ? undefined : emailAddress('EMAIL', email);
  return withRuntime(io, options, async (rt) => {
    const knex = rt.db.knex;
    if (address !== undefined) {
      const current = await getSuppression(knex, address);
      const history = await suppressionHistory(knex, address);
      if (options.json) {
        io.out(jsonLines(history.map(suppressionJson)));
        return 0;
      }
      io.out(
        current
          ? `${address} is suppressed (${current.source}): ${current.reason}`
          : `${address} is not suppressed`,
      );
      if (history.length > 0)
        io.out(table(['date (UTC)', 'action', 'source', 'delivery', 'reason'], history.map(suppressionRow)));
      return 0;
    }
    const rows: string[][] = [];
    for (let after: string | undefined; ;) {
      const page = await listSuppressions(knex, {
        limit: 1000,
        ...(after !== undefined ? { afterEmail: after } : {}),
      });
      if (page.length === 0) break;
      if (options.json) io.out(jsonLines(page.map(suppressionJson)));
      else rows.push(...page.map((s) => [s.email, ...suppressionRow(s).slice(2)]));
      after = page[page.length - 1]?.email;
    }
    if (!options.json)
      io.out(
        rows.length ? table(['email', 'source', 'delivery', 'reason'], rows) : 'No suppressed addresses.',
      );
    return 0;
  });
}

function suppressionRow(s: Suppression & { action?: string }): string[] {
  return [
    new Date(s.created_at).toISOString().slice(0, 16).replace('T', ' '),
    s.action ?? 'suppress',
    s.source,
    s.delivery_id === null ? '' : String(s.delivery_id),
    s.reason.slice(0, 80),
  ];
}
