/**
 * JSON logs with stable event names (`delivery.sent`, `template.invalid`): pino, to stderr,
 * so stdout stays for command output. Secrets are never passed to the logger.
 */
import { pino } from 'pino';

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export function createLogger(level: string = 'info'): Logger {
  return pino({ level, base: { service: 'rapport' } }, pino.destination(2));
}

/** For commands and tests that want no log output. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
