/** `rapport check`, `rapport preview`, `rapport send-test`. */
import { AppError } from '../errors.js';
import { getCustomer } from '../db/customers.js';
import { composeMessage } from '../deliver/compose.js';
import { createMailer, type OutgoingMessage } from '../deliver/mailer.js';
import { linksFor } from '../links/links.js';
import { checkTemplateDir, formatProblem } from '../render/check.js';
import { buildTemplateData, sampleTemplateData, type TemplateData } from '../render/data.js';
import { LiveTemplates } from '../outreach/live.js';
import { seedIfEmpty } from '../outreach/startup.js';
import { mailerOptions, type DbRuntime } from '../runtime.js';
import { configOnly, withRuntime, type GlobalOptions, emailAddress } from './context.js';
import type { Io } from './io.js';
import nodemailer from 'nodemailer';

export async function checkCommand(io: Io, options: GlobalOptions): Promise<number> {
  // Config errors throw with one line per problem; the caller prints them.
  const rt = configOnly(io, options);
  const problems = checkTemplateDir(rt.templatesDir, { automations: rt.config.automations });
  for (const p of problems) io.err(formatProblem(p));
  if (problems.length > 0) {
    io.err(`${problems.length} problem${problems.length === 1 ? '' : 's'} in templates`);
    return 1;
  }
  io.out(`config ${rt.loaded.source}: ok (${rt.config.automations.length} automations)\ntemplates ${rt.templatesDir}: ok`);
  return 0;
}

async function renderFor(
  rt: DbRuntime,
  template: string,
  customerId: string | undefined,
): Promise<{ message: OutgoingMessage }> {
  await seedIfEmpty(rt);
  const engine = new LiveTemplates({
    knex: rt.db.knex,
    automations: rt.config.automations,
    pollMs: rt.config.worker.outreach_poll,
  });
  try {
    await engine.refresh();
    if (!engine.has(template)) {
      throw new AppError(
        'E_TEMPLATE_MISSING',
        `no published template "${template}" (see rapport templates list)`,
      );
    }
    const automation = rt.config.automations.find((a) => a.template === template);
    const auto = { id: automation?.id ?? 'preview', transactional: automation?.transactional ?? false };
    const now = rt.now();
    // Links are signed for a customer that does not exist, even when rendering a real one: a test
    // message in a staff inbox must not carry a working unsubscribe link for that customer.
    const links = linksFor(rt.config.http.public_url, rt.signingKey, 'sample-customer', now);
    let data: TemplateData;
    let to = { name: 'Sample Customer', address: 'sample@example.com' };
    if (customerId !== undefined) {
      const customer = await getCustomer(rt.db.knex, customerId);
      if (!customer) throw new AppError('E_NOT_FOUND', `no customer with id "${customerId}"`);
      data = buildTemplateData({ customer, business: rt.config.business, links, automation: auto, now });
      to = {
        name: [customer.first_name, customer.last_name].filter(Boolean).join(' '),
        address: customer.email,
      };
    } else {
      data = sampleTemplateData(rt.config.business, links, auto);
      to = {
        name: [data.customer.first_name, data.customer.last_name].filter(Boolean).join(' '),
        address: data.customer.email,
      };
    }
    const rendered = engine.render(template, data);
    const message = composeMessage({
      key: { automationId: auto.id, customerId: customerId ?? 'sample', occurrence: `preview-${now}` },
      rendered,
      from: rt.config.business.from,
      to,
      transactional: auto.transactional,
      unsubscribeUrl: data.links.unsubscribe,
      date: new Date(now),
    });
    return { message };
  } finally {
    engine.close();
  }
}

export async function previewCommand(
  io: Io,
  template: string,
  options: GlobalOptions & { customer?: string; format: string },
): Promise<number> {
  if (!['text', 'html', 'eml'].includes(options.format)) {
    throw new AppError('E_USAGE', `--format: "${options.format}" is not one of text, html, eml`);
  }
  return withRuntime(io, options, async (rt) => {
    const { message } = await renderFor(rt, template, options.customer);
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
  options: GlobalOptions & { to: string; customer?: string },
): Promise<number> {
  const to = emailAddress('--to', options.to);
  return withRuntime(io, options, async (rt) => {
    const { message } = await renderFor(rt, template, options.customer);
    const mailer = createMailer(rt.config.smtp.url, mailerOptions(rt.config, 1));
    try {
      const result = await mailer.send({
        ...message,
        to: { name: '', address: to },
        subject: `[test] ${message.subject}`,
      });
      io.out(`sent "${message.subject}" to ${to} via ${mailer.describe}: ${result.response}`);
    } finally {
      await mailer.close();
    }
    return 0;
  });
}
