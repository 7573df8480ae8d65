/**
 * Fields of a request's parsed body, query string and route parameters. fastify types them as
 * unknown, and they are hostile input: these read a field without trusting its shape, and the
 * caller checks the value it gets.
 */
import type { FastifyRequest } from 'fastify';

function fieldOf(source: unknown, name: string): unknown {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return undefined;
  const value: unknown = Reflect.get(source, name);
  return value;
}

/** One field of the body (a form or JSON), undefined when absent. */
export function bodyField(request: FastifyRequest, name: string): unknown {
  return fieldOf(request.body, name);
}

/** One field of the query string, undefined when absent. */
export function queryField(request: FastifyRequest, name: string): unknown {
  return fieldOf(request.query, name);
}

/** A route parameter as text ('' when the route has none of that name). */
export function routeParam(request: FastifyRequest, name: string): string {
  const value = fieldOf(request.params, name);
  return typeof value === 'string' ? value : '';
}

/** The fields of a body or query object; {} when it is not one. */
export function fieldsOf(source: unknown): Record<string, unknown> {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return {};
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) out[key] = fieldOf(source, key);
  return out;
}
