/** Survey results from the books: what `rapport feedback` prints and `/metrics` exposes. */
import type { Knex } from 'knex';
import type { Config } from '../config/schema.js';
import { countSent } from '../db/deliveries.js';
import { commentedResponses, scoreTallies } from '../db/surveys.js';
import { AppError } from '../errors.js';
import { summarizeFeedback, type Feedback } from './results.js';

export interface FeedbackQuery {
  /** Only invitations sent at or after this time (and the answers to them). */
  since: number | null;
  automation?: string;
  /** How many comments to list, newest first. */
  comments?: number;
}

export async function loadFeedback(knex: Knex, config: Config, q: FeedbackQuery): Promise<Feedback> {
  if (q.automation !== undefined && !config.automations.some((a) => a.id === q.automation)) {
    const surveys = config.automations.filter((a) => a.survey).map((a) => a.id);
    throw new AppError(
      'E_USAGE',
      `--automation: "${q.automation}" is not an automation in the configuration` +
        (surveys.length ? ` (surveys: ${surveys.join(', ')})` : ''),
    );
  }
  const invitations =
    q.automation !== undefined ? [q.automation] : config.automations.filter((a) => a.survey).map((a) => a.id);
  const filter = { since: q.since, ...(q.automation !== undefined ? { automationIds: [q.automation] } : {}) };
  const invited = await countSent(knex, invitations, q.since);
  const tallies = await scoreTallies(knex, filter);
  const comments = q.comments === 0 ? [] : await commentedResponses(knex, filter, q.comments ?? 100);
  return summarizeFeedback(invited, tallies, comments);
}

/** Prometheus gauges over all answers so far; a ratio with nothing to divide by is left out. */
export async function feedbackMetrics(knex: Knex, config: Config): Promise<string[]> {
  const f = await loadFeedback(knex, config, { since: null, comments: 0 });
  const gauge = (name: string, help: string, v: number | null) =>
    v === null ? [] : [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${v}`];
  return [
    ...gauge('rapport_survey_invited', 'Survey invitations sent.', f.invited),
    ...gauge('rapport_survey_responses', 'Survey answers counted (flagged ones are not).', f.responses),
    ...gauge(
      'rapport_survey_flagged',
      'Survey answers flagged as likely automated (not counted).',
      f.flagged,
    ),
    ...gauge('rapport_survey_response_rate_percent', 'Answers per invitation, in percent.', f.response_rate),
    ...gauge('rapport_survey_csat_percent', 'Share of CSAT answers that are 4 or 5, in percent.', f.csat),
    ...gauge('rapport_survey_nps', 'Net Promoter Score: percent promoters minus percent detractors.', f.nps),
  ];
}
