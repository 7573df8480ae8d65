/**
 * From the history of answers to one message to its current answer. Pure.
 *
 * Mail scanners open every link of a message as soon as it arrives; some run the page's script
 * too. A person picks one score; a scanner "answers" with several. So when one message got
 * different scores within SCANNER_WINDOW_MS of its delivery, the answer is flagged as likely
 * automated and not counted — until an answer comes after that window, which is a person's.
 */
export const SCANNER_WINDOW_MS = 60_000;

export interface Answer {
  score: number;
  /** null when the answer carried no comment field (the page's automatic save). */
  comment: string | null;
  at: number;
}

export interface CurrentAnswer {
  score: number;
  comment: string | null;
  flagged: boolean;
  firstAt: number;
  lastAt: number;
}

/** `answers` in the order they were given; at least one. */
export function currentAnswer(answers: readonly Answer[], sentAt: number): CurrentAnswer {
  const first = answers[0];
  const last = answers[answers.length - 1];
  if (!first || !last) throw new Error('currentAnswer needs at least one answer');
  // The latest comment given stays when a later answer only changes the score.
  let comment: string | null = null;
  for (const a of answers) if (a.comment !== null) comment = a.comment;
  const early = answers.filter((a) => a.at - sentAt <= SCANNER_WINDOW_MS);
  const flagged = last.at - sentAt <= SCANNER_WINDOW_MS && new Set(early.map((a) => a.score)).size > 1;
  return { score: last.score, comment, flagged, firstAt: first.at, lastAt: last.at };
}

/** The longest comment kept; a longer one is cut (the page's field says so too). */
export const COMMENT_MAX = 2000;

/** A comment as stored: trimmed, line ends normalised, at most COMMENT_MAX characters; blank is none (keeps an earlier one). */
export function cleanComment(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  // Control characters (terminal escapes among them) have no place in a comment staff will read.
  // eslint-disable-next-line no-control-regex
  const controls = /[\u0000-\u0008\u000b-\u001f\u007f]/g;
  const cleaned = text.replace(/\r\n?/g, '\n').replace(controls, '').trim();
  return cleaned === '' ? null : [...cleaned].slice(0, COMMENT_MAX).join('');
}
