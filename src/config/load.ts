/**
 * Loading the configuration: YAML file, then environment overrides, then the schema.
 * The only module that reads `process.env` is the caller of `loadConfig` (it passes `env` in).
 */
import { readFileSync, existsSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import { automationsSchema, configSchema, type Automation, type Config } from './schema.js';
import { parseListen } from './listen.js';
import { redactUrl, secretProblem, settingsProblems } from './sanity.js';
import { isRecord } from '../unknown.js';

export { redactUrl };

export interface LoadedConfig {
  config: Config;
  /** Where the settings came from, for the banner and `status`. */
  source: string;
  /** Secrets live apart from `config` so that logging a config can never leak them. */
  secrets: { signingKey?: string; apiToken?: string };
  /** RAPPORT_DNS: `host:port` of the DNS server `rapport doctor` asks instead of the system's. */
  dnsServer?: string;
  /** The file's `automations:` as written (durations unparsed): what seeds the database. */
  rawAutomations: unknown[];
}

export interface LoadOptions {
  /** Explicit `--config FILE`; otherwise RAPPORT_CONFIG, then config/rapport.yaml. */
  file?: string;
  env: Record<string, string | undefined>;
  /** Folder names present under the templates directory, to catch unknown templates. */
  templateExists?: (name: string, templatesDir: string) => boolean;
}

const DEFAULT_CONFIG_FILE = 'config/rapport.yaml';

const ENV_OVERRIDES: ReadonlyArray<[variable: string, path: readonly string[]]> = [
  ['DATABASE_URL', ['database', 'url']],
  ['SMTP_URL', ['smtp', 'url']],
  ['RAPPORT_PUBLIC_URL', ['http', 'public_url']],
  ['RAPPORT_HTTP', ['http', 'listen']],
  ['RAPPORT_BOUNCES_IMAP_URL', ['bounces', 'imap', 'url']],
  ['RAPPORT_HOOKS_SHOPIFY_SECRET', ['hooks', 'shopify', 'secret']],
  ['RAPPORT_HOOKS_WOOCOMMERCE_SECRET', ['hooks', 'woocommerce', 'secret']],
  ['RAPPORT_HOOKS_SQUARE_SIGNATURE_KEY', ['hooks', 'square', 'signature_key']],
  ['RAPPORT_HOOKS_SQUARE_NOTIFICATION_URL', ['hooks', 'square', 'notification_url']],
  ['RAPPORT_HOOKS_STRIPE_SECRET', ['hooks', 'stripe', 'secret']],
];

export function loadConfig(options: LoadOptions): LoadedConfig {
  const file = options.file ?? options.env.RAPPORT_CONFIG ?? DEFAULT_CONFIG_FILE;
  let raw: unknown = {};
  if (existsSync(file)) {
    raw = parseYaml(file, readFileSync(file, 'utf8'));
  } else if (options.file !== undefined || options.env.RAPPORT_CONFIG !== undefined) {
    throw new AppError('E_CONFIG_MISSING', `config file ${file} does not exist`);
  }
  if (raw === null || raw === undefined) raw = {};
  if (!isRecord(raw)) {
    throw new AppError('E_CONFIG_INVALID', `${file}: the top level must be a mapping of keys`);
  }
  const withEnv = applyEnv(raw, options.env);
  const config = namingEnvSources(options.env, () => validateConfig(withEnv, file, options.templateExists));
  const secrets = loadSecrets(options.env);
  const dnsServer = options.env.RAPPORT_DNS;
  if (dnsServer && !parseListen(dnsServer)) {
    throw new AppError(
      'E_CONFIG_INVALID',
      `RAPPORT_DNS: "${dnsServer}" is not host:port (e.g. 127.0.0.1:53)`,
    );
  }
  const written = withEnv.automations;
  return {
    config,
    rawAutomations: Array.isArray(written) ? written : [],
    source: existsSync(file) ? file : '(built-in defaults)',
    secrets,
    ...(dnsServer ? { dnsServer } : {}),
  };
}

/** Link key and API token from the environment, refused when too weak to protect anything. */
function loadSecrets(env: LoadOptions['env']): LoadedConfig['secrets'] {
  const secrets: LoadedConfig['secrets'] = {};
  if (env.RAPPORT_SECRET) secrets.signingKey = env.RAPPORT_SECRET;
  if (env.RAPPORT_API_TOKEN) secrets.apiToken = env.RAPPORT_API_TOKEN;
  const problems = [
    secrets.signingKey === undefined ? null : secretProblem('RAPPORT_SECRET', secrets.signingKey),
    secrets.apiToken === undefined ? null : secretProblem('RAPPORT_API_TOKEN', secrets.apiToken),
  ].filter((p): p is string => p !== null);
  if (problems.length > 0) {
    throw new AppError(
      'E_CONFIG_INVALID',
      `the environment has ${plural(problems.length, 'problem')}`,
      problems,
    );
  }
  return secrets;
}

/**
 * A problem with a value that came from the environment names the variable too: the operator
 * would otherwise look for it in the file, where it is not.
 */
function namingEnvSources<T>(env: LoadOptions['env'], validate: () => T): T {
  try {
    return validate();
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const named = error.details.map((line) => {
      const source = ENV_OVERRIDES.find(
        ([variable, path]) => env[variable] && line.startsWith(`${path.join('.')}:`),
      );
      return source ? `${line} (set by ${source[0]})` : line;
    });
    throw new AppError(error.code, error.message, named);
  }
}

function parseYaml(file: string, text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const line = e.linePos?.[0].line;
      return `${file}${line ? `:${line}` : ''}: ${e.message.split('\n')[0]}`;
    });
    throw new AppError('E_CONFIG_INVALID', `${file} is not valid YAML`, problems);
  }
  return doc.toJS();
}

function applyEnv(raw: Record<string, unknown>, env: LoadOptions['env']): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(raw);
  for (const [variable, path] of ENV_OVERRIDES) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    const [last, ...parents] = [...path].reverse();
    if (last === undefined) continue;
    let node = out;
    for (const key of parents.reverse()) {
      const next = node[key];
      const child: Record<string, unknown> = isRecord(next) ? next : {};
      node[key] = child;
      node = child;
    }
    node[last] = value;
  }
  return out;
}

/** Validate an already-parsed config object; every problem is reported, each naming its key path. */
function validateConfig(
  raw: unknown,
  file: string,
  templateExists?: (name: string, templatesDir: string) => boolean,
): Config {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) => describeIssue(issue, raw));
    throw new AppError('E_CONFIG_INVALID', `${file} has ${plural(problems.length, 'problem')}`, problems);
  }
  const config = parsed.data;
  const problems = crossChecks(config, templateExists);
  if (problems.length > 0) {
    throw new AppError('E_CONFIG_INVALID', `${file} has ${plural(problems.length, 'problem')}`, problems);
  }
  return deepFreeze(config);
}

/**
 * Automations as stored or imported (`automations:` of the config's format), validated exactly
 * as the file's are: problems name `automations[2].on.at`. Returns them parsed, or throws.
 */
export function validateAutomations(
  list: unknown[],
  config: Config,
  templateExists?: (name: string, templatesDir: string) => boolean,
  label = 'automations',
): Automation[] {
  const raw = { automations: list };
  const parsed = automationsSchema.safeParse(raw);
  const problems = parsed.success
    ? automationProblems({ ...config, automations: parsed.data.automations }, templateExists)
    : parsed.error.issues.flatMap((issue) => describeIssue(issue, raw));
  if (problems.length > 0 || !parsed.success)
    throw new AppError('E_AUTOMATION_INVALID', `${label} ${plural(problems.length, 'problem')}`, problems);
  return parsed.data.automations;
}

function crossChecks(
  config: Config,
  templateExists?: (name: string, templatesDir: string) => boolean,
): string[] {
  const problems = automationProblems(config, templateExists);
  const window = config.sending.window;
  if (window && window.start === window.end) {
    problems.push('sending.window: start and end are the same time; remove the window to send at any hour');
  }
  problems.push(...settingsProblems(config));
  if (!parseListen(config.http.listen)) {
    problems.push(`http.listen: "${config.http.listen}" is not host:port (a port up to 65535)`);
  }
  // Unique problems only: a template missing in two automations is still two lines, but identical lines are noise.
  return [...new Set(problems)];
}

function automationProblems(
  config: Config,
  templateExists?: (name: string, templatesDir: string) => boolean,
): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  config.automations.forEach((a, i) => {
    const first = seen.get(a.id);
    if (first !== undefined)
      problems.push(`automations[${i}].id: "${a.id}" is already used by automations[${first}]`);
    else seen.set(a.id, i);
    if (templateExists && !templateExists(a.template, config.templates.dir)) {
      problems.push(
        `automations[${i}].template: "${a.template}" is not a folder under ${config.templates.dir}/`,
      );
    }
    if (a.content === 'new' && !('schedule' in a.on)) {
      problems.push(`automations[${i}].content: "new" needs a schedule trigger (on: { schedule: ... })`);
    }
  });
  // One line for the missing address, naming every automation that needs it.
  const marketing = config.automations.filter((a) => !a.transactional && a.enabled).map((a) => `"${a.id}"`);
  if (marketing.length > 0 && !config.business.postal_address) {
    problems.push(
      `business.postal_address: required because ${marketing.join(', ')} ${marketing.length === 1 ? 'is' : 'are'} not transactional (marketing mail must show it)`,
    );
  }
  return [...new Set(problems)];
}

const TRIGGER_KEYS = ['event', 'birthday', 'anniversary', 'date', 'inactive', 'schedule'];

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string[] {
  const path = formatPath(issue.path);
  if (issue.code === 'invalid_union') {
    const value = valueAt(raw, issue.path);
    const isTrigger = issue.path[issue.path.length - 1] === 'on';
    if (isTrigger && value && typeof value === 'object') {
      const kinds = Object.keys(value).filter((k) => TRIGGER_KEYS.includes(k));
      if (kinds.length !== 1) {
        return [`${path}: needs exactly one of ${TRIGGER_KEYS.join(', ')}`];
      }
    }
    // Report the branch that came closest: the one with the fewest problems.
    const branches = issue.errors.filter((b) => b.length > 0).sort((a, b) => a.length - b.length);
    const best = branches[0];
    if (best) {
      return best.flatMap((inner) => describeIssue({ ...inner, path: [...issue.path, ...inner.path] }, raw));
    }
  }
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`);
  }
  const value = valueAt(raw, issue.path);
  if (issue.code === 'invalid_type' && value === undefined) return [`${path}: is required`];
  return [`${path || '(top level)'}: ${issue.message}`];
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let node = raw;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = Reflect.get(node, key);
  }
  return node;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
