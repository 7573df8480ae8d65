/**
 * What the demo day did, from the books (the deliveries table), and where to look next.
 */
import { readdirSync, existsSync } from 'node:fs';
import { DateTime } from 'luxon';
import type { Automation } from '../src/config/schema.js';
import type { Database } from '../src/db/connect.js';
import { listDeliveries, type DeliveryListRow } from '../src/db/deliveries.js';
import { table } from '../src/cli/io.js';
import type { DemoDay } from './day.js';
import type { SeedReport } from './seed.js';

export interface AutomationTally {
  id: string;
  sent: number;
  /** Everything not sent, by "status (reason)", e.g. "skipped (exit-condition)". */
  other: Map<string, number>;
}

export interface Tally {
  automations: AutomationTally[];
  sent: number;
  /** Rows in the books, whatever their status. */
  deliveries: number;
}

/** "skipped (exit-condition)", "suppressed (unsubscribed)", "pending (due after midnight)"… */
function statusKey(row: DeliveryListRow, dayEnd: number): string {
  if (row.reason) return `${row.status} (${row.reason})`;
  return row.status === 'pending' && row.due_at >= dayEnd ? 'pending (due after midnight)' : row.status;
}

/** `dayEnd`: rows due after it are tomorrow's, planned ahead by the day's last tick. */
export async function tallyDeliveries(
  db: Database,
  automations: readonly Automation[],
  dayEnd: number,
): Promise<Tally> {
  const byId = new Map<string, AutomationTally>(
    automations.map((a) => [a.id, { id: a.id, sent: 0, other: new Map() }]),
  );
  let deliveries = 0;
  let afterId: number | undefined;
  for (;;) {
    const page = await listDeliveries(db.knex, {
      limit: 1000,
      ...(afterId === undefined ? {} : { afterId }),
    });
    for (const row of page) {
      const tally = byId.get(row.automation_id) ?? {
        id: row.automation_id,
        sent: 0,
        other: new Map<string, number>(),
      };
      byId.set(row.automation_id, tally);
      if (row.status === 'sent') tally.sent++;
      else {
        const key = statusKey(row, dayEnd);
        tally.other.set(key, (tally.other.get(key) ?? 0) + 1);
      }
    }
    deliveries += page.length;
    if (page.length < 1000) break;
    afterId = page[page.length - 1]?.id;
  }
  const list = [...byId.values()];
  return { automations: list, sent: list.reduce((n, a) => n + a.sent, 0), deliveries };
}

export function countEml(dir: string): number {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')).length : 0;
}

/** Why an automation had nothing to do today. */
function idleNote(automation: Automation | undefined): string {
  const on = automation?.on;
  if (on && 'date' in on) return `only on ${on.date}`;
  if (on && 'holiday' in on) return `only on ${on.holiday} (see rapport occasions list)`;
  if (on && 'schedule' in on) return `on schedule "${on.schedule}" only (customer's local time)`;
  return 'nothing due today';
}

function otherText(tally: AutomationTally, automation: Automation | undefined): string {
  if (tally.sent === 0 && tally.other.size === 0) return idleNote(automation);
  if (tally.other.size === 0) return '';
  return [...tally.other].map(([what, n]) => `${n} ${what}`).join(', ');
}

export interface SummaryInput {
  day: DemoDay;
  businessName: string;
  automations: readonly Automation[];
  seed: SeedReport | null;
  tally: Tally;
  paths: { db: string; outbox: string; config: string };
  files: number;
}

function header(s: SummaryInput): string[] {
  const date = DateTime.fromISO(s.day.date, { zone: s.day.zone }).toFormat('cccc, LLLL d, yyyy');
  const lines = [`${s.businessName}: one day of outreach, ${date} (${s.day.zone})`, ''];
  if (s.seed) {
    const { seed } = s;
    lines.push(
      `Seeded ${s.paths.db}: ${seed.customers} customers in ${seed.zones} time zones (${seed.unsubscribed} unsubscribed),`,
      `  ${seed.purchases} purchases, ${seed.content} journal posts (${seed.scheduled} scheduled for later).`,
    );
  }
  lines.push(
    'Played midnight to midnight on a virtual clock: planner hourly, delivery worker every 15 minutes.',
    '',
  );
  return lines;
}

export function formatSummary(s: SummaryInput): string {
  const automations = new Map(s.automations.map((a) => [a.id, a]));
  const rows = s.tally.automations.map((t) => [t.id, String(t.sent), otherText(t, automations.get(t.id))]);
  rows.push(['total', String(s.tally.sent), '']);
  const env = `DATABASE_URL=sqlite:${s.paths.db}`;
  const cfg = `--config ${s.paths.config}`;
  const birthday = s.seed?.cast.get('birthday')?.[0];
  return [
    ...header(s),
    table(['automation', 'sent', 'not sent (status, reason)'], rows),
    '',
    'Where to look:',
    `  ${s.paths.outbox}/   ${s.files} .eml files; open any of them in a mail client`,
    `  ${env} npx rapport deliveries ${cfg}`,
    `  ${env} npx rapport upcoming ${cfg}`,
    `  ${env} npx rapport preview birthday ${birthday ? `--customer ${birthday} ` : ''}${cfg}`,
  ].join('\n');
}
