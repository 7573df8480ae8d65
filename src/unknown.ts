/** Narrowing values whose shape is not known yet (parsed YAML or JSON, a worker's data, a tree). */

/** A plain object (not null, not an array): its fields as unknowns, to be checked one by one. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
