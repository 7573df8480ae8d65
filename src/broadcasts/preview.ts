/**
 * A broadcast before it exists: how many it would reach now, and its message rendered for the
 * first customer in the audience (or sample data when there is none). Creates nothing.
 */
import { audiencePage } from '../db/customers-audience.js';
import { renderPreview, type Preview } from '../outreach/preview.js';
import type { DbRuntime } from '../runtime.js';
import { checkAudience } from './audience.js';
import type { Audience } from './types.js';
import { countAudience } from './service.js';

export interface BroadcastSample {
  /** The customer the sample is rendered for; null: sample data. */
  sampleCustomer: string | null;
  sample: Preview;
}

export interface BroadcastPreview extends BroadcastSample {
  audience: number;
}

/** The message rendered for the audience's first customer: reads that one, counts nothing. */
export async function sampleBroadcast(
  rt: DbRuntime,
  input: { template: string; audience: Audience },
): Promise<BroadcastSample> {
  const audience = checkAudience(input.audience);
  const [first] = await audiencePage(rt.db.knex, audience, rt.now(), null, 1);
  const sample = await renderPreview(rt, {
    template: input.template,
    ...(first ? { customerId: first.id } : {}),
  });
  return { sampleCustomer: first?.id ?? null, sample };
}

export async function previewBroadcast(
  rt: DbRuntime,
  input: { template: string; audience: Audience },
): Promise<BroadcastPreview> {
  const deps = { db: rt.db, config: rt.config, now: rt.now };
  const { sampleCustomer, sample } = await sampleBroadcast(rt, input);
  return { audience: await countAudience(deps, input.audience), sampleCustomer, sample };
}
