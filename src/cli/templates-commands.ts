/**
 * `rapport templates …` as commander sees it. The commands themselves (outreach-templates.ts)
 * load when one runs, so `rapport --help` does not load the template engine.
 */
import type { Command } from 'commander';
import type { DbRuntime } from '../runtime.js';
import type { Runner } from './content.js';
import type { Io } from './io.js';
import type { TemplatesOptions } from './outreach-templates.js';

type Commands = typeof import('./outreach-templates.js');

async function viaTemplates(
  io: Io,
  o: TemplatesOptions,
  fn: (m: Commands, rt: DbRuntime) => Promise<number>,
): Promise<number> {
  const m = await import('./outreach-templates.js');
  return m.withTemplates(io, o, (rt) => fn(m, rt));
}

export function registerTemplateCommands(program: Command, io: Io, run: Runner): void {
  const t = program
    .command('templates')
    .description('templates in the database: versions, publish, restore, import, export');
  const locale = ['--locale <locale>', 'a language variant (default: the default variant)'] as const;
  const author = ['--author <name>', 'who makes the change (default: $USER)'] as const;
  t.command('list')
    .description('every template, layout and partial: published and latest version per language')
    .option('--json', 'JSON Lines')
    .action(run(async (o: TemplatesOptions) => viaTemplates(io, o, (m, rt) => m.listCmd(io, rt, o))));
  t.command('show')
    .description('a version (default: the published one)')
    .argument('<name>', 'a template, or layout:NAME, partial:NAME')
    .option(...locale)
    .option('--version <n>', 'this version instead of the published one')
    .option('--json', 'JSON')
    .action(
      run(async (name: string, o: TemplatesOptions) =>
        viaTemplates(io, o, (m, rt) => m.showCmd(io, rt, name, o)),
      ),
    );
  t.command('history')
    .description('every version: who, when, which is published')
    .argument('<name>')
    .option('--locale <locale>', 'only this language variant')
    .option('--json', 'JSON Lines')
    .action(
      run(async (name: string, o: TemplatesOptions) =>
        viaTemplates(io, o, (m, rt) => m.historyCmd(io, rt, name, o)),
      ),
    );
  t.command('diff')
    .description('what changed between two versions')
    .argument('<name>')
    .argument('<v1>')
    .argument('<v2>')
    .option(...locale)
    .action(
      run(async (name: string, a: string, b: string, o: TemplatesOptions) =>
        viaTemplates(io, o, (m, rt) => m.diffCmd(io, rt, name, [a, b], o)),
      ),
    );
  for (const [verb, what] of [
    ['publish', 'make a version (a draft, or an older one) the one in use, after the checks'],
    ['restore', 'create a new version equal to an old one, and publish it'],
  ] as const) {
    t.command(verb)
      .description(what)
      .argument('<name>')
      .argument('<version>')
      .option(...locale)
      .option(...author)
      .action(
        run(async (name: string, v: string, o: TemplatesOptions) =>
          viaTemplates(io, o, (m, rt) => m.changeCmd(io, rt, verb, name, v, o)),
        ),
      );
  }
  t.command('export')
    .description('write the published versions as files (the layout of templates/)')
    .argument('<dir>')
    .action(
      run(async (dir: string, o: TemplatesOptions) =>
        viaTemplates(io, o, (m, rt) => m.exportCmd(io, rt, dir)),
      ),
    );
  t.command('import')
    .description('a new version for each file that changed; published when it passes the checks')
    .argument('<dir>')
    .option('--draft', 'create the versions without publishing them')
    .option(...author)
    .option('--json', 'JSON Lines')
    .action(
      run(async (dir: string, o: TemplatesOptions) =>
        viaTemplates(io, o, (m, rt) => m.importCmd(io, rt, dir, o)),
      ),
    );
}
