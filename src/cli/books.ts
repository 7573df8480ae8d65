/** `rapport status` and `rapport deliveries`: the books. */
import { Cron } from 'croner';
import { AppError } from '../errors.js';
import { DELIVERY_STATUSES } from '../domain.js';
import { oneOf } from '../choice.js';
import { redactUrl } from '../config/load.js';
import { countCustomers } from '../db/customers.js';
import { countSuppressions } from '../db/consent.js';
import { countByStatus, listDeliveries, nextAvailableAt, type DeliveryListRow } from '../db/deliveries.js';
import { getNumberState } from '../db/state.js';
import { STATE } from '../schedule/tick.js';
import { withReadRuntime, type GlobalOptions } from './context.js';
import { jsonLines, table, type Io } from './io.js';

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

export async function statusCommand(io: Io, options: GlobalOptions & { json?: boolean }): Promise<number> {
  return withReadRuntime(io, options, async (rt) => {
    const knex = rt.db.knex;
    const counts = await countByStatus(knex);
    const lastTick = await getNumberState(knex, STATE.lastTick);
    const nextTick = new Cron(rt.config.worker.tick, { paused: true }).nextRun()?.getTime() ?? null;
    const status = {
      deliveries: counts,
      last_tick: iso(lastTick),
      next_tick: iso(nextTick),
      next_due: iso(await nextAvailableAt(knex)),
      transport: redactUrl(rt.config.smtp.url),
      database: rt.db.describe,
      customers: await countCustomers(knex),
      suppressed_addresses: await countSuppressions(knex),
      automations: rt.config.automations.filter((a) => a.enabled).map((a) => a.id),
    };
    if (options.json) {
      io.out(JSON.stringify(status));
      return 0;
    }
    io.out(
      [
        `database   ${status.database}`,
        `transport  ${status.transport}`,
        `customers  ${status.customers} (${status.suppressed_addresses} suppressed addresses)`,
        `last tick  ${status.last_tick ?? 'never'}`,
        `next tick  ${status.next_tick ?? '-'}`,
        `next due   ${status.next_due ?? 'nothing pending'}`,
        '',
        table(
          ['status', 'deliveries'],
          DELIVERY_STATUSES.map((s) => [s, String(counts[s])]),
        ),
      ].join('\n'),
    );
    return 0;
  });
}

export function deliveryJson(r: DeliveryListRow): Record<string, unknown> {
  return {
    id: r.id,
    automation: r.automation_id,
    customer_id: r.customer_id,
    email: r.email,
    occurrence: r.occurrence,
    status: r.status,
    attempts: r.attempts,
    due_at: iso(r.due_at),
    sent_at: iso(r.sent_at),
    message_id: r.message_id,
    error: r.error ?? r.reason,
    reason: r.reason,
    template: r.template,
    template_version: r.template_version,
    requested_locale: r.requested_locale,
    resolved_locale: r.resolved_locale,
    subject: r.subject,
    mime_sha256: r.mime_sha256,
  };
}

export async function deliveriesCommand(
  io: Io,
  options: GlobalOptions & {
    status?: string;
    customer?: string;
    automation?: string;
    limit: string;
    json?: boolean;
  },
): Promise<number> {
  const status =
    options.status === undefined ? undefined : oneOf(DELIVERY_STATUSES, options.status, '--status');
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit <= 0)
    throw new AppError('E_USAGE', `--limit: "${options.limit}" is not a positive number`);
  return withReadRuntime(io, options, async (rt) => {
    const pageSize = Math.min(limit, 1000);
    let printed = 0;
    let afterId: number | undefined;
    const rows: string[][] = [];
    while (printed < limit) {
      const page = await listDeliveries(rt.db.knex, {
        ...(status ? { status } : {}),
        ...(options.customer ? { customerId: options.customer } : {}),
        ...(options.automation ? { automationId: options.automation } : {}),
        limit: Math.min(pageSize, limit - printed),
        ...(afterId !== undefined ? { afterId } : {}),
      });
      if (page.length === 0) break;
      if (options.json) io.out(jsonLines(page.map(deliveryJson)));
      else for (const r of page) rows.push(deliveryRow(r));
      printed += page.length;
      afterId = page[page.length - 1]?.id;
    }
    if (!options.json) {
      io.out(
        rows.length
          ? table(
              ['id', 'automation', 'customer', 'email', 'occurrence', 'status', 'tries', 'due (UTC)', 'note'],
              rows,
            )
          : 'No deliveries match.',
      );
    }
    return 0;
  });
}

function deliveryRow(r: DeliveryListRow): string[] {
  return [
    String(r.id),
    r.automation_id,
    r.customer_id,
    r.email ?? '',
    r.occurrence,
    r.status,
    String(r.attempts),
    (iso(r.due_at) ?? '').slice(0, 16).replace('T', ' '),
    (r.error ?? r.reason ?? '').slice(0, 60),
  ];
}
