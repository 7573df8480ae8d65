/** Small builders for the records the schedule tests store. */
import type { CustomerEvent, CustomerInput } from '../../src/domain.js';

export function customer(id: string, over: Partial<CustomerInput> = {}): CustomerInput {
  return {
    id,
    email: `${id}@example.com`,
    first_name: id,
    last_name: null,
    birthday: null,
    timezone: null,
    locale: null,
    customer_since: null,
    tags: [],
    subscribed: true,
    attributes: {},
    ...over,
  };
}

export function purchase(id: string, customerId: string, occurredAt: number): CustomerEvent {
  return { id, customer_id: customerId, type: 'purchase', occurred_at: occurredAt, data: { total: '9.50' } };
}
