/** Fields of a thrown value, which may be anything: an Error, a driver's error object, a string. */

/** The named field of a thrown value, undefined when it has none. */
export function errorField(error: unknown, name: string): unknown {
  if (typeof error !== 'object' || error === null) return undefined;
  const value: unknown = Reflect.get(error, name);
  return value;
}

/** A system error's code (ENOENT, EEXIST, ELOOP...), undefined when it has none. */
export function errnoCode(error: unknown): string | undefined {
  const code = errorField(error, 'code');
  return typeof code === 'string' ? code : undefined;
}
