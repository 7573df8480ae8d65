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

export interface BroadcastPreview {
  audience: number;
  /** The customer the sample is rendered for; null: sample data. */
  sampleCustomer: string | null;
  sample: Preview;
}

export async function previewBroadcast(
  rt: DbRuntime,
  input: { template: string; audience: Audience },
): Promise<BroadcastPreview> {
  const audience = checkAudience(input.audience);
  const deps = { db: rt.db, config: rt.config, now: rt.now };
  const [first] = await audiencePage(rt.db.knex, audience, rt.now(), null, 1);
  const sample = await renderPreview(rt, {
    template: input.template,
    ...(first ? { customerId: first.id } : {}),
  });
  return { audience: await countAudience(deps, audience), sampleCustomer: first?.id ?? null, sample };
}
