/**
 * Purchases as the shop's till and web shop would report them: an order number, the items and
 * a total. In-store orders are a drink and maybe something to eat; online orders are beans,
 * kit and gift cards.
 */
import type { CustomerEvent } from '../src/domain.js';
import type { Random } from './random.js';

export type Channel = 'in-store' | 'online';

export interface PurchaseDraft {
  customerId: string;
  at: number;
  channel: Channel;
}

type Product = readonly [name: string, cents: number];

const DRINKS: readonly Product[] = [
  ['Drip coffee', 325],
  ['Americano', 375],
  ['Cortado', 425],
  ['Cappuccino', 475],
  ['Oat flat white', 525],
  ['Chai latte', 500],
  ['Matcha latte', 550],
  ['Mocha', 525],
  ['Cold brew', 450],
  ['Double espresso', 350],
];

const FOOD: readonly Product[] = [
  ['Almond croissant', 425],
  ['Banana bread', 375],
  ['Breakfast sandwich', 750],
  ['Cardamom bun', 400],
  ['Blueberry muffin', 350],
];

const SHOP: readonly Product[] = [
  ['Guji, Ethiopia, whole beans 250 g', 1800],
  ['House espresso blend, whole beans 1 kg', 4200],
  ['Huila, Colombia, ground 250 g', 1700],
  ['Swiss Water decaf 250 g', 1650],
  ['Corner Coffee mug', 1400],
  ['Gift card', 2500],
  ['Pour-over starter kit', 3900],
];

interface Line {
  name: string;
  qty: number;
  price: string;
}

const money = (cents: number): string => (cents / 100).toFixed(2);

function basket(rng: Random, channel: Channel): Line[] {
  const picks: Array<[Product, number]> = [];
  if (channel === 'in-store') {
    picks.push([rng.pick(DRINKS), 1]);
    if (rng.chance(0.15)) picks.push([rng.pick(DRINKS), 1]);
    if (rng.chance(0.4)) picks.push([rng.pick(FOOD), 1]);
  } else {
    picks.push([rng.pick(SHOP), rng.chance(0.25) ? 2 : 1]);
    if (rng.chance(0.3)) picks.push([rng.pick(SHOP), 1]);
  }
  return picks.map(([[name, cents], qty]) => ({ name, qty, price: money(cents) }));
}

/** Numbered in time order, as a till would: the first order of the month has the lowest number. */
export function purchaseEvents(
  rng: Random,
  drafts: readonly PurchaseDraft[],
  firstOrder: number,
): CustomerEvent[] {
  const sorted = [...drafts].sort((a, b) => a.at - b.at || (a.customerId < b.customerId ? -1 : 1));
  return sorted.map((draft, i) => {
    const items = basket(rng, draft.channel);
    const cents = items.reduce((sum, line) => sum + Math.round(Number(line.price) * 100) * line.qty, 0);
    const orderId = String(firstOrder + i);
    return {
      id: `order-${orderId}`,
      customer_id: draft.customerId,
      type: 'purchase',
      occurred_at: draft.at,
      data: { order_id: orderId, total: money(cents), currency: 'USD', channel: draft.channel, items },
    };
  });
}
