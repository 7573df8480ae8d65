/**
 * The command line: the only place argv is read. Exit codes: 0 success, 1 failure with a
 * message on stderr, 2 usage error, 3 import with rejected rows.
 */
import { Command, CommanderError, Option } from 'commander';
import { AppError, EXIT, describeError } from './errors.js';
import { processIo, type Io } from './cli/io.js';
import type { ContentAddOptions } from './cli/content.js';
import type { OccasionsListOptions } from './cli/occasions.js';
import { EXPORT_KINDS } from './export/kinds.js';
import { oneOf } from './choice.js';
import { registerTemplateCommands } from './cli/templates-commands.js';
import { registerAutomationCommands } from './cli/automations-commands.js';
import { registerBroadcastCommands } from './cli/broadcast-commands.js';
import { IMPORT_KINDS } from './import/types.js';
import { VERSION } from './version.js';

// Each command's module is imported when that command runs, not before: `rapport --help` and a
// usage error then load no database driver, template engine or mailer.
const start = () => import('./cli/start.js');
const forecast = () => import('./cli/forecast.js');
const templates = () => import('./cli/templates.js');
const books = () => import('./cli/books.js');
const consent = () => import('./cli/consent.js');
const content = () => import('./cli/content.js');
const bounces = () => import('./cli/bounces.js');
const users = () => import('./cli/users.js');
const customers = () => import('./cli/customers.js');

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('rapport')
    .description(
      'Keeps a business in touch with its customers: planned, personal email from your own customer database.',
    )
    // -V only: commander would take a long --version anywhere on the line for itself, and
    // preview, send-test and templates show use --version for a template version.
    .version(VERSION, '-V', 'output the version number (also: rapport --version)')
    .option('-c, --config <file>', 'configuration file (default: $RAPPORT_CONFIG or config/rapport.yaml)')
    .option(
      '--log-level <level>',
      'log level: debug, info, warn, error (default: info for start, warn otherwise)',
    )
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride()
    // Each command's options arrive with the global ones (--config, --log-level) merged in.
    .hook('preAction', (_program, command) => {
      for (const [key, value] of Object.entries(command.optsWithGlobals()))
        command.setOptionValue(key, value);
    });

  // Commander passes the arguments, the options, then the command itself, which no command uses.
  const run =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      setExit(await fn(...args));
    };

  program
    .command('start')
    .description('run the daemon: scheduler, delivery and HTTP server')
    .option('--once', 'plan and deliver everything due now, then exit')
    .action(run(async (o: object) => (await start()).startCommand(io, o)));
  program
    .command('migrate')
    .description('apply database migrations')
    .action(run(async (o: object) => (await start()).migrateCommand(io, o)));
  program
    .command('import')
    .description('import customers, events or content from CSV, Excel (.xlsx) or JSON Lines (upsert by id)')
    .addArgument(
      new Command()
        .createArgument('<kind>', 'customers | events | content')
        .choices(['customers', 'events', 'content']),
    )
    .argument('<file>', 'a .csv, .xlsx or .jsonl file, or - for standard input')
    .addOption(
      new Option('--format <format>', 'file format when the extension does not say').choices([
        'csv',
        'xlsx',
        'jsonl',
      ]),
    )
    .option('--dry-run', 'validate only; write nothing')
    .option('--map <pairs>', 'columns to fields, e.g. "Email Address=email,Notes=-" (- ignores a column)')
    .option('--map-file <file>', 'a saved mapping: YAML/JSON { "Header": field } or Header=field lines')
    .option('--date-format <format>', 'how the file writes dates, e.g. DD.MM.YYYY or MM/DD/YYYY HH:mm')
    .option(
      '--strict',
      'a bad optional field refuses the whole row (default: imported without it, with a warning)',
    )
    .action(
      run(async (kind: string, file: string, o: object) =>
        (await import('./cli/import.js')).importCommand(io, oneOf(IMPORT_KINDS, kind, 'kind'), file, o),
      ),
    );
  program
    .command('export')
    .description('write customers, events or deliveries as CSV (safe to open in a spreadsheet) or JSON Lines')
    .addArgument(
      new Command()
        .createArgument('<kind>', 'customers | events | deliveries')
        .choices(['customers', 'events', 'deliveries']),
    )
    .addOption(new Option('--format <format>', 'csv (default) or jsonl').choices(['csv', 'jsonl']))
    .option('--out <file>', 'write to this file instead of standard output')
    .action(
      run(async (kind: string, o: object) =>
        (await import('./cli/export.js')).exportCommand(io, oneOf(EXPORT_KINDS, kind, 'kind'), o),
      ),
    );
  program
    .command('upcoming')
    .description('what will be sent, when (customer local time and UTC), and why')
    .option('--days <n>', 'how many days ahead', '7')
    .option('--json', 'JSON Lines')
    .action(run(async (o: { days: string }) => (await forecast()).upcomingCommand(io, o)));
  program
    .command('simulate')
    .description("what would be sent between two instants with today's data; writes and sends nothing")
    .requiredOption('--from <iso>', 'start instant, ISO 8601')
    .requiredOption('--to <iso>', 'end instant, ISO 8601')
    .option('--json', 'JSON Lines')
    .action(run(async (o: { from: string; to: string }) => (await forecast()).simulateCommand(io, o)));
  program
    .command('preview')
    .description('render a template with a real customer or sample data')
    .argument('<template>', 'template folder name')
    .option('--customer <id>', 'render for this customer')
    .option('--event <id>', 'render with this event (and its customer, unless --customer)')
    .option('--locale <locale>', 'render as for a customer with this locale')
    .option('--version <n>', 'render this version of the template instead of the published one')
    .addOption(
      new Option('--format <format>', 'what to print').choices(['text', 'html', 'eml']).default('text'),
    )
    .action(
      run(async (template: string, o: { format: string }) =>
        (await templates()).previewCommand(io, template, o),
      ),
    );
  program
    .command('send-test')
    .description('send one rendered message now (subject prefixed with [Test])')
    .argument('<template>', 'template folder name')
    .requiredOption('--to <email>', 'recipient')
    .option('--customer <id>', 'render for this customer')
    .option('--locale <locale>', 'render as for a customer with this locale')
    .option('--version <n>', 'render this version of the template instead of the published one')
    .action(
      run(async (template: string, o: { to: string }) =>
        (await templates()).sendTestCommand(io, template, o),
      ),
    );
  program
    .command('check')
    .description('validate the configuration and every template')
    .action(run(async (o: object) => (await templates()).checkCommand(io, o)));
  program
    .command('status')
    .description('deliveries by status, last and next tick, transport, database')
    .option('--json', 'JSON')
    .action(run(async (o: object) => (await books()).statusCommand(io, o)));
  program
    .command('deliveries')
    .description('the delivery log')
    .option(
      '--status <status>',
      'pending, sending, sent, failed, expired, skipped, suppressed, bounced or complained',
    )
    .option('--customer <id>', 'one customer')
    .option('--automation <id>', 'one automation')
    .option('--limit <n>', 'at most this many', '1000')
    .option('--json', 'JSON Lines')
    .action(run(async (o: { limit: string }) => (await books()).deliveriesCommand(io, o)));
  program
    .command('message')
    .description('a sent message exactly as the relay got it, with what it was rendered with')
    .argument('<delivery-id>', 'the id from rapport deliveries')
    .option('--raw', 'only the MIME bytes')
    .option('--json', 'JSON')
    .action(
      run(async (id: string, o: object) => (await import('./cli/message.js')).messageCommand(io, id, o)),
    );
  program
    .command('unsubscribe')
    .description('record an opt-out from all non-transactional mail, or one automation')
    .argument('<email>')
    .option('--automation <id>', 'only this automation')
    .action(run(async (email: string, o: object) => (await consent()).unsubscribeCommand(io, email, o)));
  program
    .command('resubscribe')
    .description("lift a customer's own opt-out, recording why (the consent log keeps the reason)")
    .argument('<email>')
    .requiredOption('--reason <text>', 'why, for the consent log (required)')
    .action(run(async (email: string, o: object) => (await consent()).resubscribeCommand(io, email, o)));
  program
    .command('suppress')
    .description('stop all mail to an address, transactional included')
    .argument('<email>')
    .option('--reason <text>', 'why, for the books (with --remove: why it is lifted)')
    .option('--remove', 'lift the suppression (logged with --reason)')
    .action(run(async (email: string, o: object) => (await consent()).suppressCommand(io, email, o)));
  const customersCommand = program
    .command('customers')
    .description("one person's data: a copy of everything stored, or its erasure");
  customersCommand
    .command('export-person')
    .description(
      'everything stored about one customer as JSON: fields, events, consent, deliveries, messages',
    )
    .argument('<id>', 'customer id')
    .action(run(async (id: string, o: object) => (await customers()).exportPersonCommand(io, id, o)));
  customersCommand
    .command('erase')
    .description(
      'erase one customer: record, events, consent history, deliveries, messages; the address stays suppressed',
    )
    .argument('<id>', 'customer id')
    .option('--reason <text>', 'why (required), e.g. "erasure request of 3 May"')
    .action(run(async (id: string, o: object) => (await customers()).eraseCommand(io, id, o)));
  const contentCommand = program
    .command('content')
    .description('content items: the RSS feed and digest emails');
  contentCommand
    .command('add')
    .description('add or update one item (upsert by id); a future --published-at schedules it')
    .requiredOption('--id <id>', "the item's permanent id (its guid in the feed)")
    .requiredOption('--title <text>', 'title')
    .requiredOption('--url <url>', 'link to the item, http or https')
    .option('--published-at <iso>', 'publication time, ISO 8601 with offset or Z (default: now)')
    .option('--summary <text>', 'a short plain-text summary')
    .option('--tags <list>', '";"-separated tags, e.g. "recipes;beans"')
    .action(run(async (o: ContentAddOptions) => (await content()).contentAddCommand(io, o)));
  contentCommand
    .command('list')
    .description('items, newest publication first, scheduled ones included')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'JSON Lines')
    .action(run(async (o: { limit: string }) => (await content()).contentListCommand(io, o)));
  program
    .command('occasions')
    .description('holidays and business occasions: their dates by country and year')
    .command('list')
    .description(
      'every occasion of a country (and region) in a year, with its date and the rule that gave it',
    )
    .option('--country <cc>', 'ISO 3166-1 country code (default: business.country)')
    .option('--region <code>', 'ISO 3166-2 subdivision, e.g. ON or NSW')
    .option('--year <yyyy>', 'year (default: this year)')
    .option('--json', 'JSON Lines')
    .action(
      run(async (o: OccasionsListOptions) =>
        (await import('./cli/occasions.js')).occasionsListCommand(io, o),
      ),
    );
  program
    .command('feedback')
    .description('survey results: invitations, response rate, CSAT, NPS, flagged answers and comments')
    .option('--since <iso>', 'only invitations sent at or after this instant (ISO 8601)')
    .option('--automation <id>', 'only this automation')
    .option('--json', 'one JSON object')
    .action(run(async (o: object) => (await import('./cli/feedback.js')).feedbackCommand(io, o)));
  const bouncesCommand = program
    .command('bounces')
    .description('returned mail and complaints: read them and act on them');
  bouncesCommand
    .command('process')
    .description('read the bounce mailbox (bounces.imap) once, act on what is there, then exit')
    .action(run(async (o: object) => (await bounces()).bouncesProcessCommand(io, o)));
  bouncesCommand
    .command('import')
    .description('act on returned mail saved as files (.eml, one message each)')
    .argument('<files...>', 'message files')
    .action(run(async (files: string[], o: object) => (await bounces()).bouncesImportCommand(io, files, o)));
  program
    .command('suppressions')
    .description('suppressed addresses: why, from where, the delivery that caused it, when')
    .argument('[email]', 'one address, with its history of suppressions and lifts')
    .option('--json', 'JSON Lines')
    .action(
      run(async (email: string | undefined, o: object) =>
        (await bounces()).suppressionsCommand(io, email, o),
      ),
    );
  program
    .command('doctor')
    .description(
      'check the sending domain (SPF, DKIM, DMARC, MX), the public URL and the relay; exit 1 on a failure',
    )
    .option('--json', 'JSON Lines: {check, status, detail, fix}')
    .action(run(async (o: object) => (await import('./cli/doctor.js')).doctorCommand(io, o)));
  const usersCommand = program
    .command('users')
    .description('who can sign in to the console at /console/, and with which role');
  const roleOption = () =>
    new Option('--role <role>', 'owner (also manages users), editor (changes things) or viewer (reads)')
      .choices(['owner', 'editor', 'viewer'])
      .makeOptionMandatory();
  usersCommand
    .command('add')
    .description(
      'add a console user (no password option: typed twice on a terminal, else generated and printed once)',
    )
    .argument('<email>')
    .addOption(roleOption())
    .option('--password-stdin', 'read the password from the first line of standard input')
    .action(run(async (email: string, o: object) => (await users()).usersAddCommand(io, email, o)));
  usersCommand
    .command('list')
    .description('console users and their roles')
    .option('--json', 'JSON Lines')
    .action(run(async (o: object) => (await users()).usersListCommand(io, o)));
  usersCommand
    .command('remove')
    .description('remove a console user and end their sessions (the last owner cannot be removed)')
    .argument('<email>')
    .action(run(async (email: string, o: object) => (await users()).usersRemoveCommand(io, email, o)));
  usersCommand
    .command('reset-password')
    .description("set a console user's password and end their sessions")
    .argument('<email>')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .action(run(async (email: string, o: object) => (await users()).usersResetPasswordCommand(io, email, o)));
  usersCommand
    .command('role')
    .description("change a console user's role (the last owner stays owner)")
    .argument('<email>')
    .addOption(roleOption())
    .action(run(async (email: string, o: object) => (await users()).usersRoleCommand(io, email, o)));
  registerTemplateCommands(program, io, run);
  registerAutomationCommands(program, io, run);
  registerBroadcastCommands(program, io, run);
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
