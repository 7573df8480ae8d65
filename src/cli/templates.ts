/** `rapport check`, `rapport preview`, `rapport send-test`. */
import { AppError } from '../errors.js';
import { formatProblem } from '../render/check.js';
import { compileOffThread } from '../render/compile-worker.js';
import { readTemplateSources } from '../render/load.js';
import { renderPreview, type PreviewInput } from '../outreach/preview.js';
import { validLocale } from '../render/audience.js';
import { sendTestMessage } from '../outreach/send-test.js';
import { configOnly, withRuntime, type GlobalOptions, emailAddress } from './context.js';
import type { Io } from './io.js';
import { eventTypeWarnings } from './check-data.js';
import { checkStoredAutomations } from './check-automations.js';
import nodemailer from 'nodemailer';
import type { Config } from '../config/schema.js';
import { OccasionCalendar } from '../occasions/resolve.js';
import { missingDateMessage, missingOccasionDates, unknownOccasionKeys } from '../occasions/warnings.js';

export async function checkCommand(io: Io, options: GlobalOptions): Promise<number> {
  // Config errors throw with one line per problem; the caller prints them.
  const rt = configOnly(io, options);
  // Checked as the running daemon checks an edit: in a worker, within the same limits.
  const sources = readTemplateSources(rt.templatesDir);
  const compiled = await compileOffThread(sources, { automations: rt.config.automations });
  const problems = compiled.ok
    ? compiled.problems
    : [{ file: sources.root, line: 0, message: compiled.reason }];
  for (const p of problems) io.err(formatProblem(p));
  if (problems.length > 0) {
    io.err(`${problems.length} problem${problems.length === 1 ? '' : 's'} in templates`);
    return 1;
  }
  if (!checkOccasions(io, rt.config, rt.now())) return 1;
  const stored = await checkStoredAutomations(rt);
  for (const p of stored.problems) io.err(p);
  if (stored.problems.length > 0) {
    io.err(
      `${stored.problems.length} problem${stored.problems.length === 1 ? '' : 's'} in stored automations`,
    );
    return 1;
  }
  io.out(
    `config ${rt.loaded.source}: ok (${rt.config.automations.length} automations)\ntemplates ${rt.templatesDir}: ok` +
      (stored.stored > 0 ? `\ndatabase: ${stored.stored} automations ok` : ''),
  );
  for (const note of stored.notes) io.err(note);
  for (const warning of await eventTypeWarnings(rt.config)) io.err(warning);
  return 0;
}

/** Unknown occasion keys are errors; a year without a known date (this or next) is a warning. */
function checkOccasions(io: Io, config: Config, now: number): boolean {
  const calendar = new OccasionCalendar(config.occasions);
  const year = new Date(now).getUTCFullYear();
  const unknown = unknownOccasionKeys(config.automations, calendar);
  for (const u of unknown) {
    io.err(
      `automations "${u.automation}".on.holiday: "${u.key}" is not an occasion in config, a built-in one, ` +
        'or a public holiday anywhere (see rapport occasions list --country CC)',
    );
  }
  for (const m of missingOccasionDates(config.automations, calendar, [year, year + 1])) {
    io.err(`warning: ${missingDateMessage(m)}`);
  }
  return unknown.length === 0;
}

interface PreviewOptions extends GlobalOptions {
  customer?: string;
  event?: string;
  locale?: string;
  version?: string;
}

function previewInput(template: string, options: PreviewOptions): PreviewInput {
  const input: PreviewInput = { template };
  if (options.customer !== undefined) input.customerId = options.customer;
  if (options.event !== undefined) input.eventId = options.event;
  if (options.locale !== undefined) {
    const tag = validLocale(options.locale);
    if (tag === undefined)
      throw new AppError('E_USAGE', `--locale: "${options.locale}" is not a locale (e.g. de, pt-BR)`);
    input.locale = tag;
  }
  if (options.version !== undefined) {
    if (!/^[1-9][0-9]{0,8}$/.test(options.version))
      throw new AppError('E_USAGE', `--version: "${options.version}" is not a version number`);
    input.version = Number(options.version);
  }
  return input;
}

export async function previewCommand(
  io: Io,
  template: string,
  options: PreviewOptions & { format: string },
): Promise<number> {
  if (!['text', 'html', 'eml'].includes(options.format)) {
    throw new AppError('E_USAGE', `--format: "${options.format}" is not one of text, html, eml`);
  }
  return withRuntime(io, options, async (rt) => {
    const { message } = await renderPreview(rt, previewInput(template, options));
    if (options.format === 'html') io.out(message.html);
    else if (options.format === 'text') io.out(`Subject: ${message.subject}\n\n${message.text}`);
    else {
      const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
      const info = (await composer.sendMail({
        ...message,
        disableFileAccess: true,
        disableUrlAccess: true,
      })) as { message: Buffer };
      io.out(info.message.toString('utf8'));
    }
    return 0;
  });
}

export async function sendTestCommand(
  io: Io,
  template: string,
  options: PreviewOptions & { to: string },
): Promise<number> {
  const to = emailAddress('--to', options.to);
  return withRuntime(io, options, async (rt) => {
    const sent = await sendTestMessage(rt, previewInput(template, options), to);
    io.out(`sent "${sent.preview.message.subject}" to ${to} via ${sent.via}: ${sent.response}`);
    return 0;
  });
}
