/**
 * `rapport automations …` as commander sees it. The commands themselves (automations.ts) load
 * when one runs, so `rapport --help` does not load the planner.
 */
import type { Command } from 'commander';
import type { DbRuntime } from '../runtime.js';
import type { Runner } from './content.js';
import type { Io } from './io.js';
import type { AutomationsOptions } from './automations.js';
import type { GlobalOptions } from './context.js';

type Commands = typeof import('./automations.js');
type Options = AutomationsOptions & GlobalOptions;

async function via(io: Io, o: Options, fn: (m: Commands, rt: DbRuntime) => Promise<number>): Promise<number> {
  const m = await import('./automations.js');
  return m.withAutomations(io, o, (rt) => fn(m, rt));
}

const AUTHOR = ['--author <name>', 'who makes the change (default: $USER)'] as const;
const YES = ['--yes', 'apply without asking (a terminal is asked after the forecast)'] as const;
const JSON_OUT = ['--json', 'JSON'] as const;

export function registerAutomationCommands(program: Command, io: Io, run: Runner): void {
  const a = program
    .command('automations')
    .description('automations in the database: list, change, enable, disable, history, import, export');
  a.command('list')
    .description('every automation, in plain words')
    .option('--json', 'JSON Lines')
    .action(run(async (o: Options) => via(io, o, (m, rt) => m.listCmd(io, rt, o))));
  a.command('show')
    .description('one automation as the config file writes it')
    .argument('<id>')
    .option(...JSON_OUT)
    .action(run(async (id: string, o: Options) => via(io, o, (m, rt) => m.showCmd(io, rt, id, o))));
  a.command('history')
    .description('every change: who, when, what')
    .argument('<id>')
    .option('--json', 'JSON Lines')
    .action(run(async (id: string, o: Options) => via(io, o, (m, rt) => m.historyCmd(io, rt, id, o))));
  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    a.command(verb)
      .description(
        enabled
          ? 'plan it again from now on'
          : 'plan nothing new; its planned, unsent messages are skipped (automation-disabled)',
      )
      .argument('<id>')
      .option(...AUTHOR)
      .option(...YES)
      .option(...JSON_OUT)
      .action(
        run(async (id: string, o: Options) =>
          via(io, o, (m, rt) => m.changeCmd(io, rt, id, (current) => ({ ...current, enabled }), o)),
        ),
      );
  }
  a.command('set')
    .description('change keys, e.g. on.after=2h on.at=10:00 template=thanks where.tags=[vip]')
    .argument('<id>')
    .argument('<assignments...>', 'KEY=VALUE (an empty VALUE removes the key)')
    .option(...AUTHOR)
    .option(...YES)
    .option(...JSON_OUT)
    .action(
      run(async (id: string, pairs: string[], o: Options) =>
        via(io, o, (m, rt) => m.setCmd(io, rt, id, pairs, o)),
      ),
    );
  a.command('edit')
    .description('replace the definition with a YAML file (one automation, as in the config file)')
    .argument('<id>')
    .requiredOption('--file <file>', 'the new definition')
    .option(...AUTHOR)
    .option(...YES)
    .option(...JSON_OUT)
    .action(run(async (id: string, o: Options) => via(io, o, (m, rt) => m.editCmd(io, rt, id, o))));
  a.command('export')
    .description('write every automation to a YAML file (automations: …)')
    .argument('<file>')
    .action(run(async (file: string, o: Options) => via(io, o, (m, rt) => m.exportCmd(io, rt, file))));
  a.command('import')
    .description('add and replace automations from a YAML file (all or nothing)')
    .argument('<file>')
    .option(...AUTHOR)
    .option('--json', 'JSON Lines')
    .action(run(async (file: string, o: Options) => via(io, o, (m, rt) => m.importCmd(io, rt, file, o))));
}
