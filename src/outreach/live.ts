/**
 * The templates a worker renders with: the published versions in the database, compiled once
 * per version, rebuilt when the outreach revision moves (polled every `worker.outreach_poll`).
 * Last good: a version that fails to compile here (it passed the checks when published, but
 * this worker's automations or code may differ) is not swapped in, and what was in use stays.
 */
import type { Knex } from 'knex';
import { readRevision } from '../db/outreach-revision.js';
import { publishedVersions, type PublishedRow } from '../db/templates.js';
import { checkSources, type AutomationTemplate } from '../render/check.js';
import type { TemplateData } from '../render/data.js';
import { render, type RenderedEmail } from '../render/engine.js';
import { Registry, type TemplateLogger } from '../render/registry.js';
import type { Rendering } from '../deliver/mailer.js';
import { localesOf, ROOT_LABEL, sourcesOf, unitKey } from './units.js';
import { unitOfRow } from './templates.js';
import { chooseLocale, type LocaleChoice } from './locale.js';
import type { AppEvents } from '../events.js';
import { templateEventsLoggedTo } from '../log-events.js';
import { describeError } from '../errors.js';

export interface LiveTemplatesOptions {
  knex: Knex;
  automations: readonly AutomationTemplate[];
  logger?: TemplateLogger & { error?(obj: object, msg: string): void };
  pollMs: number;
  /** Renders this version in place of the published one of its template and locale (preview --version). */
  override?: PublishedRow;
  /** Where reloads at a new revision are reported ('templates:reloaded'). */
  events?: AppEvents;
}

/** A message rendered in the customer's language, and what it was rendered with. */
export interface LocalizedRender {
  email: RenderedEmail;
  choice: LocaleChoice;
  rendering: Rendering;
}

interface InUse {
  id: number;
  version: number;
}

export class LiveTemplates {
  /** One registry per locale that has variants; '' renders the defaults. */
  private readonly registries = new Map<string, Registry>();
  /** Per locale registry, the version of each unit it has compiled (its last good). */
  private readonly inUse = new Map<string, Map<string, InUse>>();
  /** Per template, the locales it has a published variant in. */
  private variants = new Map<string, Set<string>>();
  private revision = -1;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<boolean> | undefined;

  /** Where each template brought in or refused is reported: the app's, or one written to the logger. */
  private readonly templateEvents: AppEvents | undefined;

  constructor(private readonly options: LiveTemplatesOptions) {
    this.templateEvents =
      options.events ?? (options.logger ? templateEventsLoggedTo(options.logger) : undefined);
  }

  /** The revision last loaded (-1 before the first load). */
  get loadedRevision(): number {
    return this.revision;
  }

  /** Loads the published versions when the revision moved; true when it did. Never runs twice at once. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<boolean> {
    const { knex, automations } = this.options;
    const revision = await readRevision(knex);
    if (revision === this.revision) return false;
    const rows = withOverride(await publishedVersions(knex), this.options.override);
    const units = rows.map(unitOfRow);
    const initial = this.revision < 0;
    for (const locale of localesOf(units)) {
      let registry = this.registries.get(locale);
      if (!registry) {
        registry = new Registry(this.templateEvents);
        this.registries.set(locale, registry);
      }
      const sources = sourcesOf(units, locale);
      const { updated } = registry.apply(sources, checkSources(sources, { automations }), initial);
      const inUse = this.inUse.get(locale) ?? new Map<string, InUse>();
      this.inUse.set(locale, inUse);
      for (const row of rows) {
        const key = unitKey(row);
        const chosen =
          row.locale === locale ||
          (row.locale === '' && !rows.some((r) => unitKey(r) === key && r.locale === locale));
        if (chosen && updated.includes(key)) inUse.set(key, { id: row.id, version: row.version });
      }
    }
    const variants = new Map<string, Set<string>>();
    for (const row of rows) {
      if (row.kind !== 'template' || row.locale === '') continue;
      variants.set(row.name, (variants.get(row.name) ?? new Set()).add(row.locale));
    }
    this.variants = variants;
    this.revision = revision;
    if (!initial) {
      this.options.events?.emit('templates:reloaded', { revision });
    }
    return true;
  }

  /**
   * Renders `name` in the variant the customer's locale picks (see locale.ts); dates, numbers
   * and money are written in the resolved locale.
   */
  renderLocalized(
    name: string,
    data: TemplateData,
    requested: string | null,
    businessLocale: string,
  ): LocalizedRender {
    const choice = chooseLocale(requested, this.variants.get(name) ?? new Set(), businessLocale);
    const email = this.render(name, { ...data, locale: choice.resolved }, choice.variant);
    const used = this.inUse
      .get(this.registries.has(choice.variant) ? choice.variant : '')
      ?.get(`template:${name}`);
    return {
      email,
      choice,
      rendering: {
        template: name,
        templateVersionId: used?.id ?? null,
        templateVersion: used?.version ?? null,
        requestedLocale: choice.requested,
        resolvedLocale: choice.resolved,
      },
    };
  }

  render(name: string, data: TemplateData, locale = ''): RenderedEmail {
    return render(this.registryFor(locale), name, data, ROOT_LABEL);
  }

  has(name: string, locale = ''): boolean {
    return this.registryFor(locale).templates.has(name);
  }

  names(): string[] {
    return [...this.registryFor('').templates.keys()].sort();
  }

  /** Locales that have at least one variant. */
  locales(): string[] {
    return [...this.registries.keys()].filter((l) => l !== '').sort();
  }

  private registryFor(locale: string): Registry {
    const registry = this.registries.get(locale) ?? this.registries.get('');
    if (!registry) {
      const empty = new Registry(undefined);
      this.registries.set('', empty);
      return empty;
    }
    return registry;
  }

  /** Polls the revision until close(). A failed poll is logged and tried again next time. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.refresh().catch((error: unknown) =>
        this.options.logger?.warn(
          { event: 'templates.poll_failed', err: describeError(error) },
          'could not check for template changes',
        ),
      );
    }, this.options.pollMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function withOverride(rows: PublishedRow[], override: PublishedRow | undefined): PublishedRow[] {
  if (!override) return rows;
  const same = (r: PublishedRow) =>
    r.kind === override.kind && r.name === override.name && r.locale === override.locale;
  return [...rows.filter((r) => !same(r)), override];
}
