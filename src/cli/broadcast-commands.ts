/**
 * `rapport broadcast …` as commander sees it. The commands (broadcast.ts) load when one runs,
 * so `rapport --help` loads no database driver.
 */
import type { Command } from 'commander';
import type { Runner } from './content.js';
import type { Io } from './io.js';
import type { AudienceOptions, CreateOptions } from './broadcast.js';

const commands = () => import('./broadcast.js');

const collect = (value: string, previous: string[] = []) => [...previous, value];

function audienceOptions(c: Command): Command {
  return c
    .requiredOption('--template <name>', 'the template to send')
    .option('--tags <a,b>', 'customers with any of these tags (any letter case)')
    .option(
      '--where-attr <name=value>',
      'customers whose attribute has this value (repeatable: all must hold)',
      collect,
    )
    .option('--json', 'JSON');
}

export function registerBroadcastCommands(program: Command, io: Io, run: Runner): void {
  const b = program.command('broadcast').description('one-off messages to an audience, sent once to each');
  audienceOptions(b.command('create'))
    .description('create a broadcast: prints its id and how many customers it reaches')
    .option('--at <HH:MM>', "send at this local time in each customer's zone (default: now)")
    .option('--date <YYYY-MM-DD>', 'with --at: on this date (default: the next time --at comes round)')
    .option('--now', 'send at once')
    .option('--name <name>', 'what to call it (default: the template and today)')
    .option('--transactional', 'skip the send window and the frequency cap (never consent)')
    .option('--dry-run', 'show the audience and a rendered sample; create nothing')
    .action(run(async (o: CreateOptions) => (await commands()).createCommand(io, o)));
  audienceOptions(b.command('preview'))
    .description('the audience count and a rendered sample; creates nothing')
    .action(run(async (o: AudienceOptions) => (await commands()).previewCommand(io, o)));
  b.command('list')
    .description('broadcasts, newest first, with sent/pending/skipped/failed counts')
    .option('--json', 'JSON Lines')
    .action(run(async (o: object) => (await commands()).listCommand(io, o)));
  b.command('show')
    .description('one broadcast: deliveries by status and by time zone')
    .argument('<id>', 'broadcast id')
    .option('--json', 'JSON')
    .action(run(async (id: string, o: object) => (await commands()).showCommand(io, id, o)));
  b.command('cancel')
    .description('stop a broadcast: what has not gone yet is skipped')
    .argument('<id>', 'broadcast id')
    .action(run(async (id: string, o: object) => (await commands()).cancelCommand(io, id, o)));
}
