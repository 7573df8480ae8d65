/**
 * One rendered message sent now to a staff address, subject prefixed `[Test] `: for `rapport
 * send-test` and the console's test send. It goes straight to the relay: it is not a delivery,
 * so it is not recorded, counted against the frequency cap, or held back by consent.
 */
import { createMailer } from '../deliver/mailer.js';
import type { DbRuntime } from '../runtime.js';
import { mailerOptions } from '../runtime.js';
import { renderPreview, type Preview, type PreviewInput } from './preview.js';

export interface SentTest {
  preview: Preview;
  /** The relay, as shown to people (password masked). */
  via: string;
  response: string;
}

export async function sendTestMessage(rt: DbRuntime, input: PreviewInput, to: string): Promise<SentTest> {
  const preview = await renderPreview(rt, input);
  const mailer = createMailer(rt.config.smtp.url, mailerOptions(rt.config, 1));
  try {
    const result = await mailer.send({
      ...preview.message,
      to: { name: '', address: to },
      subject: `[Test] ${preview.message.subject}`,
    });
    return { preview, via: mailer.describe, response: result.response };
  } finally {
    await mailer.close();
  }
}
