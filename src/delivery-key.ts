/**
 * A delivery's identity: which automation, for which customer, for which occurrence (a date, a
 * year, an event id). The books hold at most one row per key, the Message-ID is a hash of it,
 * and planners and forecasts match rows to plans by it.
 */
export interface DeliveryKey {
  automationId: string;
  customerId: string;
  occurrence: string;
}

/** The key of a delivery row, or of a row read from the deliveries table with these three columns. */
export function deliveryKeyOf(
  row: Partial<Record<'automation_id' | 'customer_id' | 'occurrence', unknown>>,
): DeliveryKey {
  return {
    automationId: String(row.automation_id),
    customerId: String(row.customer_id),
    occurrence: String(row.occurrence),
  };
}

/** The key as one string, for maps and the Message-ID's hash: the parts joined by NUL, which none contains. */
export function deliveryKeyText(key: DeliveryKey): string {
  return `${key.automationId}\u0000${key.customerId}\u0000${key.occurrence}`;
}
