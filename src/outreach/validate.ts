/**
 * Whether a set of template versions may be the published one: the checks `rapport check`
 * runs, then a trial compile and render of every unit, for the default and every locale
 * variant. Pure: the same answer on every worker.
 */
import { checkSources, formatProblem, type AutomationTemplate, type Problem } from '../render/check.js';
import { Registry, unitOf } from '../render/registry.js';
import { localesOf, ROOT_LABEL, sourcesOf, type Unit } from './units.js';

/** Problems of a set, by unit (`template:birthday`); a problem may name several units. */
function problemsOf(
  units: readonly Unit[],
  automations: readonly AutomationTemplate[],
): Map<string, Problem[]> {
  const out = new Map<string, Problem[]>();
  const seen = new Set<string>();
  for (const locale of localesOf(units)) {
    const sources = sourcesOf(units, locale);
    const checked = checkSources(sources, { automations });
    const { problems } = new Registry(undefined).apply(sources, checked, true);
    for (const problem of problems) {
      const line = formatProblem(problem);
      if (seen.has(line)) continue;
      seen.add(line);
      const named = new Set([problem.file, ...(problem.related ?? [])].map((f) => unitOf(f, ROOT_LABEL)));
      for (const unit of named) if (unit !== undefined) out.set(unit, [...(out.get(unit) ?? []), problem]);
      if (named.size === 0 || [...named].every((u) => u === undefined))
        out.set('*', [...(out.get('*') ?? []), problem]);
    }
  }
  return out;
}

/**
 * Of the `changed` units (keys), which may go live together with `published`: a change is
 * refused when the set with it has a problem that the set without it did not. A problem that
 * names no changed unit refuses them all (what caused it cannot be told apart).
 */
export function acceptable(
  published: readonly Unit[],
  changed: readonly Unit[],
  automations: readonly AutomationTemplate[],
): { accepted: Set<Unit>; refused: Map<Unit, Problem[]> } {
  const before = new Set(flat(problemsOf(published, automations)).map(formatProblem));
  const accepted = new Set(changed);
  const refused = new Map<Unit, Problem[]>();
  for (;;) {
    const candidate = merge(published, [...accepted]);
    const after = problemsOf(candidate, automations);
    const fresh = new Map<string, Problem[]>();
    for (const [unit, problems] of after) {
      const news = problems.filter((p) => !before.has(formatProblem(p)));
      if (news.length > 0) fresh.set(unit, news);
    }
    if (fresh.size === 0) return { accepted, refused };
    const blamed = [...accepted].filter((u) => fresh.has(keyOf(u)));
    const bad = blamed.length > 0 ? blamed : [...accepted];
    const all = flat(fresh);
    for (const unit of bad) {
      accepted.delete(unit);
      refused.set(unit, fresh.get(keyOf(unit)) ?? all);
    }
    if (accepted.size === 0) return { accepted, refused };
  }
}

/** `published` with each of `changed` in place of its (unit, locale). */
function merge(published: readonly Unit[], changed: readonly Unit[]): Unit[] {
  const id = (u: Unit) => `${keyOf(u)}\0${u.locale}`;
  const out = new Map(published.map((u) => [id(u), u]));
  for (const unit of changed) out.set(id(unit), unit);
  return [...out.values()];
}

function keyOf(unit: Unit): string {
  return `${unit.kind}:${unit.name}`;
}

function flat(map: Map<string, Problem[]>): Problem[] {
  return [...new Set([...map.values()].flat())];
}
