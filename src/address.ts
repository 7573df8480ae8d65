/**
 * An email address as the key of a person's consent: compared without regard to letter case.
 * Imported addresses are ASCII (see import/email.ts), so this agrees with SQL lower() on SQLite
 * and Postgres alike; it is applied once, where an address enters, and stored beside it.
 */
export function addressKey(email: string): string {
  return email.trim().toLowerCase();
}
