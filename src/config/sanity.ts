/**
 * Settings that pass the schema but cannot work: refused when the configuration is loaded, so
 * `rapport start` and `rapport check` refuse them alike, each problem naming its key. Pure.
 */
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import type { Config } from './schema.js';
import { formatDuration } from './duration.js';

/** Shortest delivery poll: below it the loop would hammer the database while idle. */
const MIN_POLL_MS = 50;
/** Shortest accepted link key or API token; `openssl rand -base64 32` gives 44 characters. */
const MIN_SECRET_LENGTH = 32;

/**
 * The shortest lease that lets a whole batch be sent while the claim is still ours: a batch holds
 * at most ten seconds of sending at `sending.rate_limit` (fewer when `worker.batch_size` is
 * smaller), and the last message started may take up to `smtp.timeout`. The deliverer starts no
 * message later than `lease - smtp.timeout` after the claim, so with a shorter lease the end of
 * every batch would be given back unsent, and a lease under the timeout would send nothing.
 */
function minimumLeaseMs(config: Config): number {
  const { batch_size } = config.worker;
  const { rate_limit } = config.sending;
  const perBatch = Math.min(batch_size, Math.ceil(rate_limit * 10));
  return Math.ceil((perBatch / rate_limit) * 1000) + config.smtp.timeout;
}

export function settingsProblems(config: Config): string[] {
  const problems: string[] = [];
  const { lease, poll, batch_size } = config.worker;
  const minLease = minimumLeaseMs(config);
  if (lease < minLease) {
    problems.push(
      `worker.lease: ${formatDuration(lease)} is shorter than a batch can take (${batch_size} messages at ` +
        `${config.sending.rate_limit}/s, plus smtp.timeout ${formatDuration(config.smtp.timeout)} for the last one): ` +
        `use at least ${formatDuration(Math.ceil(minLease / 1000) * 1000)}`,
    );
  }
  if (config.smtp.timeout < 1000) {
    problems.push(
      `smtp.timeout: ${formatDuration(config.smtp.timeout)} would cut off sends the relay is still answering; use at least 1s`,
    );
  }
  if (poll < MIN_POLL_MS) {
    problems.push(`worker.poll: ${formatDuration(poll)} is under ${MIN_POLL_MS}ms; the default is 1s`);
  }
  problems.push(...httpProblems(config));
  const database = databaseUrlProblem(config.database.url);
  if (database) problems.push(`database.url: ${database}`);
  const smtp = smtpUrlProblem(config.smtp.url);
  if (smtp) problems.push(`smtp.url: ${smtp}`);
  return problems;
}

function httpProblems(config: Config): string[] {
  const { header_timeout, body_timeout } = config.http;
  const problems: string[] = [];
  if (header_timeout < 100)
    problems.push(
      `http.header_timeout: ${formatDuration(header_timeout)} is under 100ms; no client could make it`,
    );
  if (body_timeout < header_timeout) {
    problems.push(
      `http.body_timeout: ${formatDuration(body_timeout)} is shorter than http.header_timeout (${formatDuration(header_timeout)}); the body comes after the head`,
    );
  }
  return problems;
}

/** Why a link key or API token cannot be trusted, or null. `name` is the variable shown. */
export function secretProblem(name: string, value: string): string | null {
  if (value.length < MIN_SECRET_LENGTH) {
    return `${name} has ${value.length} characters; it needs at least ${MIN_SECRET_LENGTH} (for example: openssl rand -base64 32)`;
  }
  if (new Set(value).size === 1) {
    return `${name} is one character repeated; use a random value (for example: openssl rand -base64 32)`;
  }
  return null;
}

export function databaseUrlProblem(url: string): string | null {
  if (url.startsWith('sqlite:')) {
    return url === 'sqlite:' ? 'sqlite: needs a file path, e.g. sqlite:data/rapport.db' : null;
  }
  if (!/^postgres(ql)?:\/\//.test(url)) return `"${redactUrl(url)}" must start with sqlite: or postgres://`;
  const parsed = parseUrl(url);
  if (!parsed)
    return `"${redactUrl(url)}" is not a valid URL (a password with @, : or / must be percent-encoded)`;
  if (parsed.hostname === '') return `"${redactUrl(url)}" names no host (postgres://user:pass@host:5432/db)`;
  return null;
}

export function smtpUrlProblem(url: string): string | null {
  if (url.startsWith('file:')) return url === 'file:' ? 'file: needs a folder, e.g. file:data/outbox' : null;
  if (!/^smtps?:\/\//.test(url)) return `"${redactUrl(url)}" must start with smtp://, smtps:// or file:`;
  const parsed = parseUrl(url);
  if (!parsed)
    return `"${redactUrl(url)}" is not a valid URL (a password with @, : or / must be percent-encoded)`;
  if (parsed.hostname === '') return `"${redactUrl(url)}" names no host (smtp://user:pass@host:587)`;
  if (parsed.pathname !== '' && parsed.pathname !== '/') {
    return `"${redactUrl(url)}" has a path (${parsed.pathname}); give only host and port`;
  }
  if ('proxy' in (parseConnectionUrl(url) as object)) {
    // Said rather than ignored: mail would otherwise go out another way than the operator set.
    return "the proxy option is not supported; give the relay's own address";
  }
  return null;
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Removes a password from a URL so it can be shown. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
