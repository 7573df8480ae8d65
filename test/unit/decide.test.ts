// The claim-time decision for one delivery: consent by the automation's current setting, the
// send window for retries and late claims, in the customer's zone (the business's when theirs is unknown).
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { ALL_MARKETING } from '../../src/db/consent.js';
import type { DeliveryRow } from '../../src/db/deliveries.js';
import type { BatchContext } from '../../src/deliver/context.js';
import { decide } from '../../src/deliver/decide.js';
import { storedCustomer } from '../support/records.js';

const T = (iso: string) => Date.parse(iso);

function setup(o: {
  transactional: boolean;
  maxLateness?: string;
  zone?: string | null;
  optedOut?: boolean;
}) {
  const config = configSchema.parse({
    business: { timezone: 'Europe/Paris' },
    sending: { window: { start: '08:00', end: '20:00' }, max_lateness: o.maxLateness ?? '24h' },
    automations: [
      {
        id: 'note',
        on: { event: 'purchase', after: '1h' },
        template: 'thank-you',
        transactional: o.transactional,
      },
    ],
  });
  const customer = storedCustomer('c1', { timezone: o.zone === undefined ? 'America/New_York' : o.zone });
  const ctx: BatchContext = {
    customers: new Map([['c1', customer]]),
    optOuts: new Map(o.optedOut ? [['c1', new Set([ALL_MARKETING])]] : []),
    suppressed: new Set(),
    events: new Map(),
    history: new Map(),
    digests: new Map(),
    sends: new Map(),
    duplicateAddress: new Set(),
    surveys: { invited: new Map(), held: new Set() },
    broadcasts: new Map(),
  };
  return { config, ctx, automation: config.automations[0] };
}

function row(dueAt: number, transactional: boolean): DeliveryRow {
  return {
    ...{ id: 1, automation_id: 'note', customer_id: 'c1', occurrence: 'o1', event_id: null, transactional },
    ...{
      status: 'sending',
      reason: null,
      trigger_at: dueAt,
      due_at: dueAt,
      available_at: dueAt,
      attempts: 1,
    },
    ...{
      locked_by: 'w',
      locked_until: null,
      sent_at: null,
      message_id: null,
      error: null,
      created_at: 0,
      updated_at: 0,
    },
  };
}

describe('decide', () => {
  it('checks consent by the automation as configured now, not as it was when the row was planned', () => {
    const { config, ctx, automation } = setup({ transactional: false, optedOut: true });
    const noon = T('2027-03-10T17:00:00Z'); // 12:00 in New York
    expect(decide(row(noon, true), automation, ctx, config, noon)).toEqual({
      kind: 'drop',
      status: 'suppressed',
      reason: 'unsubscribed',
    });
  });

  it('holds marketing mail claimed outside the send window until it opens in the customer zone', () => {
    const { config, ctx, automation } = setup({ transactional: false });
    const due = T('2027-06-10T23:30:00Z'); // 19:30 in New York (EDT)
    const claimed = T('2027-06-11T06:00:00Z'); // 02:00: a retry after a 4xx, or a late claim
    expect(decide(row(due, false), automation, ctx, config, claimed)).toEqual({
      kind: 'defer',
      until: T('2027-06-11T12:00:00Z'), // 08:00 in New York
      reason: 'send-window',
    });
  });

  it('expires it instead when the window opens past its lateness; transactional mail goes at once', () => {
    const late = setup({ transactional: false, maxLateness: '4h' });
    const due = T('2027-03-10T23:30:00Z');
    const claimed = T('2027-03-11T01:00:00Z');
    expect(decide(row(due, false), late.automation, late.ctx, late.config, claimed)).toMatchObject({
      kind: 'drop',
      status: 'expired',
    });
    const receipt = setup({ transactional: true });
    expect(decide(row(due, true), receipt.automation, receipt.ctx, receipt.config, claimed)).toEqual({
      kind: 'send',
    });
  });

  it('an unknown stored zone means the business zone, as when it was planned', () => {
    const { config, ctx, automation } = setup({ transactional: false, zone: 'Mars/Olympus_Mons' });
    const claimed = T('2027-03-11T05:00:00Z'); // 06:00 in Paris
    expect(decide(row(claimed, false), automation, ctx, config, claimed)).toEqual({
      kind: 'defer',
      until: T('2027-03-11T07:00:00Z'), // 08:00 in Paris
      reason: 'send-window',
    });
  });
});
