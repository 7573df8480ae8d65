/** `rapport start [--once]` and `rapport migrate`. */
import { ensureSetupLink, setupBannerLine } from '../console/setup.js';
import { countCustomers } from '../db/customers.js';
import { redactUrl } from '../config/load.js';
import { runOnce, startDaemon } from '../main.js';
import { migrate } from '../db/migrations.js';
import { openRuntime, type DbRuntime } from '../runtime.js';
import { commandLogger, withRuntime, type GlobalOptions } from './context.js';
import { table, type Io } from './io.js';
import { describeError } from '../errors.js';
import { listStoredAutomations } from '../db/automations.js';
import { differingFromFile } from '../outreach/automations.js';

export async function startCommand(io: Io, options: GlobalOptions & { once?: boolean }): Promise<number> {
  if (options.once) {
    return withRuntime(
      io,
      options,
      async (rt) => {
        const { tick, batches, paused } = await runOnce(rt);
        const sum = (k: 'sent' | 'failed' | 'retried' | 'suppressed' | 'skipped' | 'expired') =>
          batches.reduce((n, b) => n + b[k], 0);
        io.out(
          `planned ${tick.inserted} new deliveries; sent ${sum('sent')}, retry later ${sum('retried')}, ` +
            `failed ${sum('failed')}, suppressed ${sum('suppressed')}, skipped ${sum('skipped')}, expired ${sum('expired')}`,
        );
        if (paused === null) return 0;
        io.err(`sending paused, the rest stays pending: ${paused}`);
        return 1;
      },
      'warn',
    );
  }
  const rt = await openRuntime({
    configFile: options.config,
    env: io.env,
    log: commandLogger(io, options, 'info'),
  });
  // Before the daemon starts sending, so this one write never waits behind its batches.
  const setupLine = await consoleSetupLine(rt);
  let daemon;
  try {
    daemon = await startDaemon(rt);
  } catch (error) {
    await rt.close();
    throw error;
  }
  // Handlers first, banner after: whoever waits for the banner may signal at once (a test, a
  // supervisor), and a SIGTERM that arrived before the handler would kill the process outright.
  const stopped = waitForSignals(io, () => daemon.stop(), rt.config.worker.grace);
  const customers = await countCustomers(rt.db.knex);
  const automations = rt.config.automations;
  const enabled = automations.filter((a) => a.enabled).length;
  // The database's automations are in use; a file that says otherwise is pointed out, never applied.
  const differing = differingFromFile(rt.loaded.rawAutomations, await listStoredAutomations(rt.db.knex));
  const lines = [
    `Rapport is running for ${rt.config.business.name}`,
    table(
      ['', ''],
      [
        ['config', rt.loaded.source],
        [
          'database',
          `${rt.db.describe}${rt.applied.length ? ` (applied ${rt.applied.length} migrations)` : ''}`,
        ],
        ['mail', redactUrl(daemon.mailer)],
        ['http', `${daemon.httpUrl} (links use ${rt.config.http.public_url})`],
        ['customers', String(customers)],
        [
          'automations',
          `${automations.length} from the database (${enabled} enabled)` +
            (differing.length > 0
              ? `; the file's differ for: ${differing.join(', ')} — run \`rapport automations import\` to apply`
              : ''),
        ],
      ],
    )
      .split('\n')
      .slice(2)
      .join('\n'),
  ];
  if (customers === 0) {
    lines.push(
      '',
      'No customers yet. Import your list to get started:',
      '  npx rapport import customers customers.csv     (columns: id,email,first_name,birthday,timezone,…)',
      '  npx rapport upcoming                           (what will be sent, and when)',
    );
  }
  if (setupLine) lines.push('', setupLine);
  const warning = publicUrlWarning(rt.config.smtp.url, rt.config.http.public_url);
  if (warning) {
    rt.log.warn({ event: 'config.public_url_local', public_url: rt.config.http.public_url }, warning);
    lines.push('', `Warning: ${warning}`);
  }
  lines.push('', 'Stop with Ctrl-C (SIGINT) or SIGTERM; a second signal forces exit.');
  io.out(lines.join('\n'));
  await stopped;
  return 0;
}

/** The banner's first-owner link while no console user exists; a failure is logged, never fatal. */
async function consoleSetupLine(rt: DbRuntime): Promise<string | undefined> {
  try {
    const link = await ensureSetupLink({ db: rt.db, now: rt.now, publicUrl: rt.config.http.public_url });
    return link && setupBannerLine(link);
  } catch (error) {
    rt.log.warn(
      { event: 'console.setup_link_failed', error: describeError(error) },
      'could not create the console setup link; add the first owner with "rapport users add EMAIL --role owner"',
    );
    return undefined;
  }
}

/** Graceful stop on the first SIGTERM/SIGINT, within the grace period; a second signal forces exit. */
function waitForSignals(io: Io, stop: () => Promise<void>, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        io.err(`received ${signal} again: exiting now`);
        process.exit(130);
      }
      io.err(`received ${signal}: finishing messages in flight (up to ${Math.round(graceMs / 1000)} s)…`);
      const timer = setTimeout(() => {
        io.err(
          'grace period over: exiting with messages still in flight (their leases will expire and they will be retried)',
        );
        process.exit(1);
      }, graceMs);
      timer.unref();
      stop().then(
        () => {
          clearTimeout(timer);
          io.err('stopped');
          resolve();
        },
        (error: unknown) => {
          io.err(`error while stopping: ${describeError(error)}`);
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

export async function migrateCommand(io: Io, options: GlobalOptions): Promise<number> {
  return withRuntime(io, options, async (rt) => {
    // openRuntime already migrated; report what it did (a second run applies nothing).
    const more = await migrate(rt.db.knex);
    const applied = [...rt.applied, ...more];
    io.out(applied.length ? `applied: ${applied.join(', ')}` : `${rt.db.describe} is up to date`);
    return 0;
  });
}

/**
 * Real mail whose unsubscribe links point at this machine's loopback address: customers could
 * not use them. Said at start, not refused: a relay used for trials is a fine reason.
 */
export function publicUrlWarning(smtpUrl: string, publicUrl: string): string | undefined {
  if (!/^smtps?:/.test(smtpUrl)) return undefined;
  let host: string;
  try {
    host = new URL(publicUrl).hostname;
  } catch {
    return undefined;
  }
  if (!/^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)$/.test(host)) return undefined;
  return `mail goes to a relay, but its links use ${publicUrl}, which customers cannot reach: set RAPPORT_PUBLIC_URL (http.public_url) to your public address`;
}
