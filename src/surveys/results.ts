/**
 * `rapport feedback` and the metrics: response rate, CSAT (% of 4-5) and NPS (% promoters −
 * % detractors) from the invitations and the answers. Pure. Percentages have one decimal;
 * null when there is nothing to divide by.
 */
import type { SurveyKind } from './scale.js';

export interface ResponseRecord {
  delivery_id: number;
  customer_id: string;
  automation_id: string;
  kind: SurveyKind;
  score: number;
  comment: string | null;
  flagged: boolean;
  answered_at: number;
}

export interface FeedbackComment {
  customer_id: string;
  automation: string;
  kind: SurveyKind;
  score: number;
  comment: string;
  answered_at: string;
}

export interface Feedback {
  /** Survey invitations sent. */
  invited: number;
  /** Answers counted (flagged ones are not). */
  responses: number;
  /** responses / invited, in %. */
  response_rate: number | null;
  /** % of CSAT answers that are 4 or 5. */
  csat: number | null;
  /** % promoters (9-10) − % detractors (0-6) of NPS answers. */
  nps: number | null;
  /** Answers flagged as likely automated (several scores right after delivery). */
  flagged: number;
  csat_responses: number;
  nps_responses: number;
  comments: FeedbackComment[];
}

/** How many answers share one kind, score and flag. */
export interface Tally {
  kind: SurveyKind;
  score: number;
  flagged: boolean;
  n: number;
}

const percent = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((1000 * part) / whole) / 10;

const sum = (tallies: readonly Tally[], keep: (t: Tally) => boolean): number =>
  tallies.reduce((n, t) => (keep(t) ? n + t.n : n), 0);

/** `comments`: counted answers with a comment, newest first, as many as should be shown. */
export function summarizeFeedback(
  invited: number,
  tallies: readonly Tally[],
  comments: readonly ResponseRecord[],
): Feedback {
  const counted = tallies.filter((t) => !t.flagged);
  const responses = sum(counted, () => true);
  const csat = sum(counted, (t) => t.kind === 'csat');
  const nps = sum(counted, (t) => t.kind === 'nps');
  const promoters = sum(counted, (t) => t.kind === 'nps' && t.score >= 9);
  const detractors = sum(counted, (t) => t.kind === 'nps' && t.score <= 6);
  return {
    invited,
    responses,
    response_rate: percent(responses, invited),
    csat: percent(
      sum(counted, (t) => t.kind === 'csat' && t.score >= 4),
      csat,
    ),
    nps: nps === 0 ? null : Math.round((1000 * (promoters - detractors)) / nps) / 10,
    flagged: sum(tallies, (t) => t.flagged),
    csat_responses: csat,
    nps_responses: nps,
    comments: comments
      .filter((r) => !r.flagged && r.comment !== null && r.comment !== '')
      .map((r) => ({
        customer_id: r.customer_id,
        automation: r.automation_id,
        kind: r.kind,
        score: r.score,
        comment: r.comment as string,
        answered_at: new Date(r.answered_at).toISOString(),
      })),
  };
}
