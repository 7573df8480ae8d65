/** `rapport broadcast create|preview|list|show|cancel`: one-off messages to an audience. */
import { describeAudience, parseAudience } from '../broadcasts/audience.js';
import { parseSendAt } from '../broadcasts/plan.js';
import { previewBroadcast } from '../broadcasts/preview.js';
import {
  broadcastDetail,
  cancelBroadcast,
  createBroadcast,
  listBroadcasts,
  type BroadcastDeps,
  type BroadcastListEntry,
} from '../broadcasts/service.js';
import type { Broadcast, SendAt } from '../broadcasts/types.js';
import { AppError } from '../errors.js';
import { seedIfEmpty } from '../outreach/startup.js';
import type { DbRuntime } from '../runtime.js';
import { withRuntime, type GlobalOptions } from './context.js';
import { jsonLines, table, type Io } from './io.js';

export interface AudienceOptions extends GlobalOptions {
  template: string;
  tags?: string;
  whereAttr?: string[];
  json?: boolean;
}

export interface CreateOptions extends AudienceOptions {
  at?: string;
  date?: string;
  now?: boolean;
  name?: string;
  transactional?: boolean;
  dryRun?: boolean;
}

const deps = (rt: DbRuntime): BroadcastDeps => ({ db: rt.db, config: rt.config, now: rt.now });
const authorOf = (io: Io) => (io.env.USER ?? 'cli').slice(0, 200);
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function sendAtText(s: SendAt): string {
  if (s.kind === 'now') return 'now';
  return s.date === null ? s.time : `${s.date} ${s.time}`;
}

function toJson(b: Broadcast) {
  return {
    id: b.id,
    name: b.name,
    template: b.template,
    audience: b.audienceCount,
    audience_filter: b.audience,
    send_at: sendAtText(b.sendAt),
    transactional: b.transactional,
    status: b.status,
    created_by: b.createdBy,
    created_at: iso(b.createdAt),
    cancelled_by: b.cancelledBy,
    cancelled_at: iso(b.cancelledAt),
  };
}

function when(s: SendAt): string {
  if (s.kind === 'now') return 'now';
  return `at ${s.time} in each customer's time zone${s.date === null ? ' (next occurrence)' : ` on ${s.date}`}`;
}

export async function createCommand(io: Io, o: CreateOptions): Promise<number> {
  const audience = parseAudience(o.tags, o.whereAttr ?? []);
  const sendAt = parseSendAt(o.at, o.date, o.now === true);
  if (o.dryRun) return previewCommand(io, o);
  return withRuntime(io, o, async (rt) => {
    await seedIfEmpty(rt);
    const b = await createBroadcast(
      deps(rt),
      {
        template: o.template,
        audience,
        sendAt,
        transactional: o.transactional === true,
        ...(o.name !== undefined ? { name: o.name } : {}),
      },
      authorOf(io),
    );
    if (o.json) io.out(JSON.stringify(toJson(b)));
    else {
      io.out(
        `broadcast ${b.id} "${b.name}": ${b.audienceCount} customers (${describeAudience(b.audience)}), ${when(b.sendAt)}`,
      );
      io.out('The running daemon plans it within a tick; rapport broadcast list shows its progress.');
    }
    return 0;
  });
}

export async function previewCommand(io: Io, o: AudienceOptions): Promise<number> {
  const audience = parseAudience(o.tags, o.whereAttr ?? []);
  return withRuntime(io, o, async (rt) => {
    const p = await previewBroadcast(rt, { template: o.template, audience });
    const { subject, text } = p.sample.message;
    if (o.json) {
      io.out(JSON.stringify({ audience: p.audience, sample_customer: p.sampleCustomer, subject, text }));
      return 0;
    }
    io.out(`audience: ${p.audience} customers (${describeAudience(audience)}); nothing was created`);
    io.out(
      `sample, ${p.sampleCustomer === null ? 'with sample data' : `for customer ${p.sampleCustomer}`}:\n`,
    );
    io.out(`Subject: ${subject}\n\n${text}`);
    return 0;
  });
}

function listRow(b: BroadcastListEntry): string[] {
  const c = b.counts;
  return [
    String(b.id),
    b.name,
    b.template,
    b.status,
    sendAtText(b.sendAt),
    String(b.audienceCount),
    String(c.sent),
    String(c.pending),
    String(c.skipped),
    String(c.failed),
  ];
}

export async function listCommand(io: Io, o: GlobalOptions & { json?: boolean }): Promise<number> {
  return withRuntime(io, o, async (rt) => {
    const list = await listBroadcasts(deps(rt));
    if (o.json) {
      const rows = list.map((b) => ({ ...toJson(b), ...b.counts }));
      if (rows.length > 0) io.out(jsonLines(rows));
    } else if (list.length === 0) io.out('no broadcasts yet (rapport broadcast create --template NAME)');
    else {
      const headers = [
        'id',
        'name',
        'template',
        'status',
        'send at',
        'audience',
        'sent',
        'pending',
        'skipped',
        'failed',
      ];
      io.out(table(headers, list.map(listRow)));
    }
    return 0;
  });
}

function broadcastId(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new AppError('E_USAGE', `"${text}" is not a broadcast id (a number)`);
  return Number(text);
}

export async function showCommand(
  io: Io,
  id: string,
  o: GlobalOptions & { json?: boolean },
): Promise<number> {
  const n = broadcastId(id);
  return withRuntime(io, o, async (rt) => {
    const d = await broadcastDetail(deps(rt), n);
    if (o.json) {
      io.out(JSON.stringify({ ...toJson(d), counts: d.counts, zones: d.zones }));
      return 0;
    }
    io.out(`broadcast ${d.id} "${d.name}": ${d.status}, template ${d.template}, ${when(d.sendAt)}`);
    io.out(
      `audience ${d.audienceCount} (${describeAudience(d.audience)}), created by ${d.createdBy} at ${iso(d.createdAt)}`,
    );
    const statuses = Object.entries(d.counts).filter(([, n]) => n > 0);
    io.out(`deliveries: ${statuses.map(([s, n]) => `${s} ${n}`).join(', ') || 'none planned yet'}`);
    for (const z of d.zones) {
      const parts = Object.entries(z.counts).map(([s, n]) => `${s} ${n}`);
      io.out(`  ${z.zone ?? '(business zone)'}: ${parts.join(', ')}`);
    }
    return 0;
  });
}

export async function cancelCommand(io: Io, id: string, o: GlobalOptions): Promise<number> {
  const n = broadcastId(id);
  return withRuntime(io, o, async (rt) => {
    const { broadcast, skipped } = await cancelBroadcast(deps(rt), n, authorOf(io));
    io.out(`broadcast ${broadcast.id} cancelled: ${skipped} pending messages will not be sent`);
    return 0;
  });
}
