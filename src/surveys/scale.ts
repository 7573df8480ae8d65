/**
 * The two survey scales and what counts as a low or a high score on each:
 * CSAT 1-5 (low 1-2, high 4-5), NPS 0-10 (detractors 0-6 are low, promoters 9-10 high).
 */
export type SurveyKind = 'csat' | 'nps';

export const SCALES: Readonly<Record<SurveyKind, { min: number; max: number }>> = {
  csat: { min: 1, max: 5 },
  nps: { min: 0, max: 10 },
};

export type ScoreLevel = 'low' | 'neutral' | 'high';

/** The highest score that is low, per scale; `hold_marketing` and the alert use the same line. */
export const LOWEST: Readonly<Record<SurveyKind, number>> = { csat: 2, nps: 6 };

export function isSurveyKind(value: unknown): value is SurveyKind {
  return value === 'csat' || value === 'nps';
}

/** The score as an integer on the kind's scale, or null for anything else ("5.0", "", "11"). */
export function parseScore(kind: SurveyKind, text: string | null | undefined): number | null {
  if (text === null || text === undefined || !/^\d{1,2}$/.test(text)) return null;
  const n = Number(text);
  const { min, max } = SCALES[kind];
  return n >= min && n <= max ? n : null;
}

export function scoreLevel(kind: SurveyKind, score: number): ScoreLevel {
  if (score <= LOWEST[kind]) return 'low';
  return score >= (kind === 'csat' ? 4 : 9) ? 'high' : 'neutral';
}

/** The scores of a scale, in the order the links and the page show them. */
export function scoresOf(kind: SurveyKind): number[] {
  const { min, max } = SCALES[kind];
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}
