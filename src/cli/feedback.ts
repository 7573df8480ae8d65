/** `rapport feedback`: survey results — invitations, answers, CSAT, NPS, flagged answers, comments. */
import { loadFeedback } from '../surveys/feedback.js';
import type { Feedback } from '../surveys/results.js';
import { withRuntime, type GlobalOptions } from './context.js';
import { parseInstant } from './forecast.js';
import type { Io } from './io.js';

export interface FeedbackOptions extends GlobalOptions {
  since?: string;
  automation?: string;
  json?: boolean;
}

export async function feedbackCommand(io: Io, options: FeedbackOptions): Promise<number> {
  const since = options.since === undefined ? null : parseInstant('--since', options.since);
  return withRuntime(io, options, async (rt) => {
    const feedback = await loadFeedback(rt.db.knex, rt.config, {
      since,
      ...(options.automation !== undefined ? { automation: options.automation } : {}),
    });
    io.out(options.json ? JSON.stringify(feedback) : describe(feedback));
    return 0;
  });
}

const pct = (v: number | null) => (v === null ? '-' : `${v}%`);

function describe(f: Feedback): string {
  const lines = [
    `invited        ${f.invited}`,
    `responses      ${f.responses} (response rate ${pct(f.response_rate)})`,
    `CSAT           ${pct(f.csat)} of ${f.csat_responses} answers rated 4 or 5`,
    `NPS            ${f.nps === null ? '-' : f.nps} from ${f.nps_responses} answers`,
    `flagged        ${f.flagged} (likely a mail scanner; not counted)`,
  ];
  if (f.comments.length > 0) {
    lines.push('', 'comments, newest first:');
    for (const c of f.comments) {
      lines.push(`  ${c.answered_at}  ${c.kind} ${c.score}  ${c.customer_id} (${c.automation})`);
      lines.push(...c.comment.split('\n').map((l) => `    ${l}`));
    }
  }
  return lines.join('\n');
}
