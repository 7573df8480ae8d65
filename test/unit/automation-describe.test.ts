import { describe, expect, it } from 'vitest';
import { automationsSchema } from '../../src/config/schema.js';
import { describeAutomation, describeCron, spell } from '../../src/outreach/describe.js';

function words(definition: Record<string, unknown>): string {
  const [a] = automationsSchema.parse({
    automations: [{ id: 'x', template: 't', ...definition }],
  }).automations;
  if (!a) throw new Error('no automation');
  return describeAutomation(a);
}

describe('describeAutomation', () => {
  it.each([
    [{ on: { event: 'purchase', after: '1h' } }, '1 hour after each purchase'],
    [{ on: { event: 'purchase' } }, 'right after each purchase'],
    [
      { on: { event: 'purchase', after: '7d', at: '10:00' } },
      '1 week after each purchase, at the next 10:00 their time',
    ],
    [{ on: { event: 'purchase', at: '10:00' } }, 'after each purchase, at the next 10:00 their time'],
    [{ on: { event: 'purchase', count: 5 } }, 'right after their 5th purchase'],
    [{ on: { event: 'visit', count: 1, after: '2d' } }, '2 days after their 1st visit'],
    [{ on: { survey: 'low', after: '30m' } }, '30 minutes after a low survey score'],
    [{ on: { birthday: true, at: '09:00' } }, 'on their birthday at 09:00 their time'],
    [{ on: { birthday: true } }, 'on their birthday at 09:00 their time'],
    [
      { on: { anniversary: 'customer_since', at: '11:30' } },
      'on the anniversary of becoming a customer at 11:30 their time',
    ],
    [{ on: { date: '12-24', at: '08:00' } }, 'every 24 December at 08:00 their time'],
    [
      { on: { inactive: { event: 'purchase', for: '30d' } } },
      '30 days after their last purchase if nothing since',
    ],
    [
      { on: { inactive: { event: 'purchase', for: '90d' }, at: '10:00' } },
      '90 days after their last purchase if nothing since, at the next 10:00 their time',
    ],
    [{ on: { schedule: '0 10 * * 1' } }, 'every Monday at 10:00 their time'],
    [{ on: { holiday: 'thanksgiving', at: '09:30' } }, 'on thanksgiving at 09:30 their time'],
  ])('%j → %s', (definition, expected) => {
    expect(words(definition)).toBe(expected);
  });

  it('adds the audience, the exit condition, new content and a disabled flag', () => {
    expect(
      words({
        on: { event: 'purchase', after: '14d' },
        where: { tags: ['vip', 'local'], attributes: { plan: 'gold' } },
        unless: { event: 'purchase', within: '14d' },
        enabled: false,
      }),
    ).toBe(
      '2 weeks after each purchase, to customers tagged vip and local, whose plan is gold, unless a purchase follows within 2 weeks (disabled)',
    );
    expect(words({ on: { schedule: '0 9 * * 1' }, content: 'new' })).toBe(
      'every Monday at 09:00 their time, when there is new content',
    );
  });
});

describe('describeCron', () => {
  it.each([
    ['30 8 * * *', 'every day at 08:30 their time'],
    ['0 10 * * 1,3,5', 'every Monday, Wednesday and Friday at 10:00 their time'],
    ['0 10 * * 0', 'every Sunday at 10:00 their time'],
    ['0 10 * * 1-5', 'every weekday at 10:00 their time'],
    ['0 10 1 * *', 'on the 1st of every month at 10:00 their time'],
    ['*/15 * * * *', 'on the schedule "*/15 * * * *" (their time)'],
    ['0 10 * 6 *', 'on the schedule "0 10 * 6 *" (their time)'],
  ])('%s → %s', (expr, expected) => {
    expect(describeCron(expr)).toBe(expected);
  });

  it('spells durations in their largest exact unit', () => {
    expect(spell(90 * 60_000)).toBe('90 minutes');
    expect(spell(3_600_000)).toBe('1 hour');
    expect(spell(1500)).toBe('1500 ms');
  });
});
