/**
 * The command line: the only place argv is read. Exit codes: 0 success, 1 failure with a
 * message on stderr, 2 usage error, 3 import with rejected rows.
 */
import { Command, CommanderError, Option } from 'commander';
import { AppError, EXIT, describeError } from './errors.js';
import { processIo, type Io } from './cli/io.js';
import { startCommand, migrateCommand } from './cli/start.js';
import { importCommand } from './cli/import.js';
import { simulateCommand, upcomingCommand } from './cli/forecast.js';
import { checkCommand, previewCommand, sendTestCommand } from './cli/templates.js';
import { deliveriesCommand, statusCommand } from './cli/books.js';
import { suppressCommand, unsubscribeCommand } from './cli/consent.js';
import { registerContentCommands } from './cli/content.js';
import { messageCommand } from './cli/message.js';
import { registerTemplateCommands } from './cli/outreach-templates.js';
import type { ImportKind } from './import/types.js';
import { VERSION } from './version.js';

type Action = (...args: never[]) => Promise<number>;

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('rapport')
    .description('Keeps a business in touch with its customers: planned, personal email from your own customer database.')
    // -V only: commander would take a long --version anywhere on the line for itself, and
    // preview, send-test and templates show use --version for a template version.
    .version(VERSION, '-V', 'output the version number (also: rapport --version)')
    .option('-c, --config <file>', 'configuration file (default: $RAPPORT_CONFIG or config/rapport.yaml)')
    .option('--log-level <level>', 'log level: debug, info, warn, error (default: info for start, warn otherwise)')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();

  const run =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      const command = args[args.length - 1] as Command;
      const merged = { ...command.optsWithGlobals() };
      const positional = args.slice(0, -2) as unknown[];
      setExit(await (fn as unknown as Action)(...([...positional, merged] as never[])));
    };

  program
    .command('start')
    .description('run the daemon: scheduler, delivery and HTTP server')
    .option('--once', 'plan and deliver everything due now, then exit')
    .action(run((o: object) => startCommand(io, o)));
  program.command('migrate').description('apply database migrations').action(run((o: object) => migrateCommand(io, o)));
  program
    .command('import')
    .description('import customers, events or content from CSV or JSON Lines (upsert by id)')
    .addArgument(new Command().createArgument('<kind>', 'customers | events | content').choices(['customers', 'events', 'content']))
    .argument('<file>', 'a .csv or .jsonl file, or - for standard input')
    .addOption(new Option('--format <format>', 'file format when the extension does not say').choices(['csv', 'jsonl']))
    .option('--dry-run', 'validate only; write nothing')
    .action(run((kind: string, file: string, o: object) => importCommand(io, kind as ImportKind, file, o)));
  program
    .command('upcoming')
    .description('what will be sent, when (customer local time and UTC), and why')
    .option('--days <n>', 'how many days ahead', '7')
    .option('--json', 'JSON Lines')
    .action(run((o: { days: string }) => upcomingCommand(io, o)));
  program
    .command('simulate')
    .description('what would be sent between two instants with today\'s data; writes and sends nothing')
    .requiredOption('--from <iso>', 'start instant, ISO 8601')
    .requiredOption('--to <iso>', 'end instant, ISO 8601')
    .option('--json', 'JSON Lines')
    .action(run((o: { from: string; to: string }) => simulateCommand(io, o)));
  program
    .command('preview')
    .description('render a template with a real customer or sample data')
    .argument('<template>', 'template folder name')
    .option('--customer <id>', 'render for this customer')
    .option('--event <id>', "render with this event (and its customer, unless --customer)")
    .option('--locale <locale>', 'render as for a customer with this locale')
    .option('--version <n>', 'render this version of the template instead of the published one')
    .addOption(new Option('--format <format>', 'what to print').choices(['text', 'html', 'eml']).default('text'))
    .action(run((template: string, o: { format: string }) => previewCommand(io, template, o)));
  program
    .command('send-test')
    .description('send one rendered message now (subject prefixed with [test])')
    .argument('<template>', 'template folder name')
    .requiredOption('--to <email>', 'recipient')
    .option('--customer <id>', 'render for this customer')
    .option('--locale <locale>', 'render as for a customer with this locale')
    .option('--version <n>', 'render this version of the template instead of the published one')
    .action(run((template: string, o: { to: string }) => sendTestCommand(io, template, o)));
  program.command('check').description('validate the configuration and every template').action(run((o: object) => checkCommand(io, o)));
  program
    .command('status')
    .description('deliveries by status, last and next tick, transport, database')
    .option('--json', 'JSON')
    .action(run((o: object) => statusCommand(io, o)));
  program
    .command('deliveries')
    .description('the delivery log')
    .option('--status <status>', 'pending, sending, sent, failed, expired, skipped or suppressed')
    .option('--customer <id>', 'one customer')
    .option('--automation <id>', 'one automation')
    .option('--limit <n>', 'at most this many', '1000')
    .option('--json', 'JSON Lines')
    .action(run((o: { limit: string }) => deliveriesCommand(io, o)));
  program
    .command('message')
    .description('a sent message exactly as the relay got it, with what it was rendered with')
    .argument('<delivery-id>', 'the id from rapport deliveries')
    .option('--raw', 'only the MIME bytes')
    .option('--json', 'JSON')
    .action(run((id: string, o: object) => messageCommand(io, id, o)));
  program
    .command('unsubscribe')
    .description('record an opt-out from all non-transactional mail, or one automation')
    .argument('<email>')
    .option('--automation <id>', 'only this automation')
    .action(run((email: string, o: object) => unsubscribeCommand(io, email, o)));
  program
    .command('suppress')
    .description('stop all mail to an address, transactional included')
    .argument('<email>')
    .option('--reason <text>', 'why, for the books')
    .option('--remove', 'lift the suppression')
    .action(run((email: string, o: object) => suppressCommand(io, email, o)));
  registerContentCommands(program, io, run);
  registerTemplateCommands(program, io, run);
  return program;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let code: number = EXIT.ok;
  if (argv.length === 1 && argv[0] === '--version') {
    io.out(VERSION);
    return EXIT.ok;
  }
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    return reportError(io, error);
  }
}

function reportError(io: Io, error: unknown): number {
  if (error instanceof CommanderError) {
    // help and version exit 0; everything else commander reports is a usage error.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof AppError) {
    io.err(`rapport: ${error.message}`);
    for (const d of error.details) io.err(`  ${d}`);
    return error.code === 'E_USAGE' ? EXIT.usage : EXIT.failure;
  }
  io.err(`rapport: ${describeError(error)}`);
  return EXIT.failure;
}
