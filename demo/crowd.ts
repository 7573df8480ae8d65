/**
 * The crowd: everyday customers with ordinary habits. Regulars who come in most days, people who
 * drop by now and then, one-off buyers, and quiet ones whose last visit was weeks or months ago.
 * Their random histories stay clear of the scripted cast's dates except by honest coincidence.
 */
import { CULTURES } from './names.js';
import { makePerson } from './people.js';
import {
  attributesFor,
  channelFor,
  customerRecord,
  joined,
  purchasesOn,
  randomBirthday,
  tagsFor,
  type DemoCustomer,
  type SeedContext,
} from './profile.js';

type Segment = 'regular' | 'occasional' | 'one-off' | 'quiet';

const SEGMENTS: readonly Segment[] = ['regular', 'occasional', 'one-off', 'quiet'];
const SEGMENT_WEIGHTS = [22, 33, 20, 25];

/** Days before the demo date on which this customer bought something. */
function purchaseDays(ctx: SeedContext, segment: Segment): number[] {
  const { rng } = ctx;
  const older = (): number[] => {
    // Older history keeps clear of the 88-92 day band: that is the scripted "we miss you".
    const band = rng.chance(0.6) ? ([35, 80] as const) : ([100, 320] as const);
    return rng.distinct(rng.int(1, 3), band[0], band[1]);
  };
  switch (segment) {
    case 'regular':
      return [...rng.distinct(rng.int(6, 14), 0, 30), ...(rng.chance(0.7) ? older() : [])];
    case 'occasional':
      return [...rng.distinct(rng.int(2, 4), 0, 30), ...(rng.chance(0.4) ? older() : [])];
    case 'one-off':
      return rng.distinct(1, 0, 30);
    case 'quiet':
      return rng.chance(0.75) ? older() : [];
  }
}

export function crowdCustomer(ctx: SeedContext, id: string): DemoCustomer {
  const { rng, day } = ctx;
  const culture = rng.weighted(
    CULTURES,
    CULTURES.map((c) => c.weight),
  );
  const person = makePerson(rng, culture, ctx.used);
  const segment = rng.weighted(SEGMENTS, SEGMENT_WEIGHTS);
  const zone = person.zone ?? day.zone;
  const channel = channelFor(person.zone, day);
  const purchases = purchasesOn(ctx, id, person.zone, purchaseDays(ctx, segment));
  const isNew = segment !== 'regular' && segment !== 'quiet' && rng.chance(0.4);
  const { since, createdAt } = joined(ctx, purchases, zone, isNew);
  const regular = segment === 'regular';
  const input = customerRecord({
    id,
    person,
    birthday: rng.chance(0.75) ? randomBirthday(rng) : null,
    since,
    tags: tagsFor(rng, channel, regular),
    subscribed: !rng.chance(0.04),
    attributes: attributesFor(rng, channel, regular),
  });
  return { input, createdAt, purchases };
}
