/**
 * render: the shipped birthday and digest templates (layout, partials, subject + html + text)
 * for varied customers: template data built and rendered, as the deliverer does per message;
 * and the whole message (links signed, rendered, composed) for comparison.
 */
import { performance } from 'node:perf_hooks';
import type { Customer } from '../../src/domain.js';
import type { DeliveryRow } from '../../src/db/deliveries.js';
import { linksFor } from '../../src/links/links.js';
import { messageBuilder } from '../../src/deliver/message-builder.js';
import { buildTemplateData } from '../../src/render/data.js';
import { createTemplateEngine } from '../../src/render/engine.js';
import { articles, customers, DATA_NOW } from '../data.js';
import { openBenchRuntime, SECRET, TEMPLATES } from '../runtime.js';
import type { ChildResult } from '../child.js';

const PEOPLE = 1000;

export async function measureRender(seconds: number): Promise<ChildResult> {
  const rt = await openBenchRuntime({ databaseUrl: 'sqlite::memory:' });
  try {
    const engine = createTemplateEngine({ dir: TEMPLATES });
    const people: Customer[] = customers(0, PEOPLE).map((c) => ({ ...c, created_at: 0, updated_at: 0 }));
    const items = articles().slice(-5);
    const result: ChildResult = {};
    for (const template of ['birthday', 'digest'] as const) {
      const render = (i: number) => {
        const customer = people[i % PEOPLE] as Customer;
        const data = buildTemplateData({
          customer,
          business: rt.config.business,
          links: linksFor(rt.config.http.public_url, SECRET, customer.id, DATA_NOW),
          automation: { id: template, transactional: false },
          ...(template === 'digest' ? { items } : {}),
          now: DATA_NOW,
        });
        return engine.render(template, data);
      };
      result[template] = repeatFor(seconds / 4, render);
      const build = messageBuilder(rt, engine);
      const row = {
        automation_id: template === 'digest' ? 'weekly-digest' : 'birthday',
        occurrence: '2025',
        transactional: false,
      };
      result[`${template}Message`] = repeatFor(seconds / 4, (i) => {
        const customer = people[i % PEOPLE] as Customer;
        return build(
          { ...row, customer_id: customer.id } as DeliveryRow,
          customer,
          undefined,
          template === 'digest' ? items : undefined,
        );
      });
    }
    engine.close();
    return result;
  } finally {
    await rt.close();
  }
}

/** Calls per second of `fn`, after a warm-up, over about `seconds`. */
function repeatFor(seconds: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < 500; i++) fn(i);
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) fn(n++);
  }
  return n / ((performance.now() - start) / 1000);
}
