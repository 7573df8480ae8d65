/**
 * The automations a worker plans and sends with: the database's, reloaded when the outreach
 * revision moves (polled every `worker.outreach_poll`, as templates are). Last good: when a
 * stored definition fails validation, the set in use stays and the problem is logged.
 *
 * `config()` gives the configuration with `automations` reading the live set, so the planner,
 * scheduler, deliverer and forecasts all see the same, current automations without restarting.
 */
import type { Automation, Config } from '../config/schema.js';
import { listStoredAutomations } from '../db/automations.js';
import { asWritten } from '../db/automations.js';
import { readRevision } from '../db/outreach-revision.js';
import { AppError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { parseWritten, type AutomationDeps } from './automations.js';
import type { AppEvents } from '../events.js';

export class LiveAutomations {
  private set: readonly Automation[];
  private revision = -1;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<boolean> | undefined;
  /** True once the set came from the database (false: nothing stored yet, the file's are used). */
  fromDatabase = false;
  /** Where reloads are reported: opened with the runtime, this is told of each app's (reportTo). */
  private readonly reportingTo = new Set<AppEvents>();

  constructor(
    private readonly deps: AutomationDeps,
    private readonly log: Pick<Logger, 'error' | 'warn'>,
    private readonly pollMs: number,
  ) {
    this.set = deps.config.automations;
  }

  get current(): readonly Automation[] {
    return this.set;
  }

  /** The configuration whose `automations` is always the live set. */
  config(): Config {
    const view = { ...this.deps.config };
    Object.defineProperty(view, 'automations', { get: () => this.set, enumerable: true });
    return Object.freeze(view);
  }

  /** Reloads when the revision moved; true when the set in use changed. Never runs twice at once. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<boolean> {
    const { knex } = this.deps;
    const revision = await readRevision(knex);
    if (revision === this.revision) return false;
    const initial = this.revision < 0;
    this.revision = revision;
    const stored = await listStoredAutomations(knex);
    if (stored.length === 0) return false;
    try {
      const written = stored.map((s) => ({ ...asWritten(s.definition, s.enabled), id: s.id }));
      this.set = Object.freeze(parseWritten(this.deps, written, 'stored automations:').map(deepFreeze));
      this.fromDatabase = true;
    } catch (error) {
      const problems =
        error instanceof AppError ? error.details.map((d) => named(d, stored)) : [describeError(error)];
      this.log.error(
        { event: 'automations.invalid', revision, problems, kept_previous: true },
        `stored automations have problems; the ones in use stay: ${problems.join('; ')}`,
      );
      return false;
    }
    if (!initial) {
      for (const events of this.reportingTo) events.emit('automations:reloaded', { revision });
    }
    return true;
  }

  /** Reports reloads to `events` until the returned function is called. */
  reportTo(events: AppEvents): () => void {
    this.reportingTo.add(events);
    return () => {
      this.reportingTo.delete(events);
    };
  }

  /** Polls the revision until close(). A failed poll is logged and tried again next time. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.refresh().catch((error: unknown) =>
        this.log.warn(
          { event: 'automations.poll_failed', err: describeError(error) },
          'could not check for automation changes',
        ),
      );
    }, this.pollMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** `automations[3].on.at: …` becomes `automations.birthday.on.at: …`: the id is what people know. */
export function named(line: string, stored: ReadonlyArray<{ id: string }>): string {
  return line.replace(/automations\[(\d+)\]/g, (whole, i: string) => {
    const id = stored[Number(i)]?.id;
    return id === undefined ? whole : `automations.${id}`;
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
