import { describe, expect, it } from 'vitest';
import { deliveryKeyOf, deliveryKeyText } from '../../src/delivery-key.js';
import { messageIdFor } from '../../src/deliver/compose.js';

describe('delivery key', () => {
  it('is the same from a row as from a plan, and differs when any part does', () => {
    const fromRow = deliveryKeyOf({ automation_id: 'birthday', customer_id: 'c-1', occurrence: '2027' });
    const fromPlan = { automationId: 'birthday', customerId: 'c-1', occurrence: '2027' };
    expect(deliveryKeyText(fromRow)).toBe(deliveryKeyText(fromPlan));
    expect(deliveryKeyText({ ...fromPlan, occurrence: '2028' })).not.toBe(deliveryKeyText(fromPlan));
    // Parts are joined by a character none contains: "a b"+"c" is not "a"+"b c".
    expect(deliveryKeyText({ automationId: 'a', customerId: 'b\u0020c', occurrence: 'x' })).not.toBe(
      deliveryKeyText({ automationId: 'a\u0020b', customerId: 'c', occurrence: 'x' }),
    );
  });

  it('keeps the Message-ID of every message ever sent: a hash of the key as it always was', () => {
    const key = { automationId: 'birthday', customerId: 'c-1', occurrence: '2027' };
    expect(messageIdFor(key, 'Corner <hello@corner.example>')).toBe(
      '<27b684d05540075e55cb37702c1467c7@corner.example>',
    );
  });
});
