/** Small builders for the records the tests store and plan. */
import type { Customer, CustomerEvent, CustomerInput } from '../../src/domain.js';

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

/** A customer as stored, timestamps included: what the pure planner takes. */
export function storedCustomer(id: string, over: Partial<Customer> = {}): Customer {
  return { ...customer(id), created_at: 0, updated_at: 0, ...over };
}

export function purchase(id: string, customerId: string, occurredAt: number): CustomerEvent {
  return { id, customer_id: customerId, type: 'purchase', occurred_at: occurredAt, data: { total: '9.50' } };
}
