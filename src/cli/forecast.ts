/** `rapport upcoming` and `rapport simulate`: what will be sent, when, and why. */
import { AppError } from '../errors.js';
import { forecast, type ForecastLine } from '../schedule/forecast.js';
import { withReadRuntime, type GlobalOptions } from './context.js';
import { jsonLines, table, type Io } from './io.js';
import { instant } from '../import/dates.js';
import { describeOccasion } from '../occasions/describe.js';
import { OccasionCalendar } from '../occasions/resolve.js';
import { missingDateMessage, missingOccasionDates, yearsBetween } from '../occasions/warnings.js';
import type { Config } from '../config/schema.js';
import { upcomingBroadcasts } from '../broadcasts/upcoming.js';

export async function upcomingCommand(
  io: Io,
  options: GlobalOptions & { days: string; json?: boolean },
): Promise<number> {
  const days = Number(options.days);
  if (!Number.isFinite(days) || days <= 0 || days > 366) {
    throw new AppError('E_USAGE', `--days: "${options.days}" is not a number of days between 1 and 366`);
  }
  return withReadRuntime(io, options, async (rt) => {
    const from = rt.now();
    warnMissingDates(io, rt.config, from, from + days * 86_400_000);
    const lines: ForecastLine[] = [];
    await forecast(rt.db, rt.config, {
      from,
      to: from + days * 86_400_000,
      useBooks: true,
      onLines: (l) => void lines.push(...l),
    });
    lines.push(...(await upcomingBroadcasts(rt.db, rt.config, from, from + days * 86_400_000)));
    // A week ahead is small enough to show in time order.
    lines.sort((a, b) => a.send_at.localeCompare(b.send_at) || a.customer_id.localeCompare(b.customer_id));
    print(io, lines, options.json === true);
    return 0;
  });
}

export async function simulateCommand(
  io: Io,
  options: GlobalOptions & { from: string; to: string; json?: boolean },
): Promise<number> {
  const from = parseInstant('--from', options.from);
  const to = parseInstant('--to', options.to);
  if (to <= from) throw new AppError('E_USAGE', '--to must be after --from');
  return withReadRuntime(io, options, async (rt) => {
    warnMissingDates(io, rt.config, from, to);
    // Streamed page by page (customer order, then time): a year for many customers is large.
    let sends = 0;
    let total = 0;
    await forecast(rt.db, rt.config, {
      from,
      to,
      useBooks: false,
      onLines: (lines) => {
        total += lines.length;
        sends += lines.filter((l) => l.outcome === 'send').length;
        if (options.json) io.out(jsonLines(lines));
        else io.out(lines.map(textLine).join('\n'));
      },
    });
    if (!options.json)
      io.out(
        total === 0 ? 'Nothing to send in that period.' : `\n${sends} to send, ${total - sends} skipped`,
      );
    return 0;
  });
}

/** On standard error, so that `--json` output stays JSON Lines. */
function warnMissingDates(io: Io, config: Config, from: number, to: number): void {
  const calendar = new OccasionCalendar(config.occasions);
  for (const m of missingOccasionDates(config.automations, calendar, yearsBetween(from, to))) {
    io.err(`warning: ${missingDateMessage(m)}`);
  }
}

/**
 * A date alone is midnight UTC; a time needs its offset, as in imports: without one it would be
 * read in this machine's zone, which is not the business's.
 */
export function parseInstant(flag: string, text: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const ms = Date.parse(`${text}T00:00:00Z`);
    if (!Number.isNaN(ms)) return ms;
  }
  const parsed = instant(text);
  if (!parsed.ok) throw new AppError('E_USAGE', `${flag}: ${parsed.reason}`);
  return parsed.value;
}

function textLine(l: ForecastLine): string {
  return `${l.send_at}  ${l.local_time.padEnd(25)}  ${l.automation.padEnd(16)}  ${l.customer_id}  ${l.email}  ${outcomeText(l)}`;
}

/** The outcome, and for holiday rules which occasion and date, by whose rule. */
function outcomeText(l: ForecastLine): string {
  const outcome = l.outcome === 'send' ? 'send' : `skip (${l.reason})`;
  return l.occasion ? `${outcome}  ${describeOccasion(l.occasion)}` : outcome;
}

function print(io: Io, lines: ForecastLine[], json: boolean): void {
  if (json) {
    if (lines.length > 0) io.out(jsonLines(lines));
    return;
  }
  if (lines.length === 0) {
    io.out('Nothing to send in that period.');
    return;
  }
  io.out(
    table(
      ['send at (UTC)', 'local time', 'automation', 'customer', 'email', 'outcome'],
      lines.map((l) => [
        l.send_at.replace('T', ' ').replace(/:00\.000Z$/, 'Z'),
        l.local_time,
        l.automation,
        l.customer_id,
        l.email,
        outcomeText(l),
      ]),
    ),
  );
  const sends = lines.filter((l) => l.outcome === 'send').length;
  io.out(`\n${sends} to send, ${lines.length - sends} skipped`);
}
