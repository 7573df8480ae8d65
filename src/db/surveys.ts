/**
 * Queries on `survey_responses` (the current answer to each message) and `survey_answers`
 * (every answer given, never changed). Votes live here, so any worker can take any answer.
 */
import type { Knex } from 'knex';
import type { Answer, CurrentAnswer } from '../surveys/answers.js';
import type { ResponseRecord } from '../surveys/results.js';
import type { SurveyKind } from '../surveys/scale.js';
import { chunks, IN_CHUNK } from './rows.js';
import { dialectOf } from './dialect.js';
import { bool, num, oneOf, rowOf, rowsOf, str, strings, strOrNull, type Row } from './read.js';

const SURVEY_KINDS: readonly SurveyKind[] = ['csat', 'nps'];

export interface StoredResponse extends ResponseRecord {
  sent_at: number;
  first_answered_at: number;
}

function toResponse(row: Row): StoredResponse {
  return {
    delivery_id: num(row, 'delivery_id'),
    customer_id: str(row, 'customer_id'),
    automation_id: str(row, 'automation_id'),
    kind: oneOf(row, 'kind', SURVEY_KINDS),
    score: num(row, 'score'),
    comment: strOrNull(row, 'comment'),
    flagged: bool(row, 'flagged'),
    sent_at: num(row, 'sent_at'),
    first_answered_at: num(row, 'first_answered_at'),
    answered_at: num(row, 'answered_at'),
  };
}

export async function getResponse(knex: Knex, deliveryId: number): Promise<StoredResponse | undefined> {
  const row = (await knex('survey_responses').where({ delivery_id: deliveryId }).first()) as
    Record<string, unknown> | undefined;
  return row ? toResponse(row) : undefined;
}

export interface NewAnswer {
  deliveryId: number;
  customerId: string;
  automationId: string;
  kind: SurveyKind;
  /** When the message was sent. */
  sentAt: number;
  score: number;
  comment: string | null;
  source: 'form' | 'auto';
  at: number;
  /** How long after the first answer a change is still taken. */
  editableMs: number;
}

export type SaveResult =
  | { status: 'locked'; previous: StoredResponse }
  | { status: 'saved'; previous: StoredResponse | null; current: StoredResponse };

/**
 * Add an answer to the history and recompute the message's current answer from all of it, in
 * one transaction. The message's delivery row is locked first on Postgres (SQLite transactions
 * are already exclusive), so two answers to one message from two workers are taken in turn.
 */
export async function saveAnswer(
  knex: Knex,
  input: NewAnswer,
  current: (answers: Answer[], sentAt: number) => CurrentAnswer,
): Promise<SaveResult> {
  return knex.transaction(async (trx) => {
    if (dialectOf(trx).name === 'postgres')
      await trx('deliveries').where({ id: input.deliveryId }).forUpdate().select('id');
    const old = rowOf(await trx('survey_responses').where({ delivery_id: input.deliveryId }).first());
    const previous = old ? toResponse(old) : null;
    if (previous && input.at - previous.first_answered_at > input.editableMs)
      return { status: 'locked', previous };
    await trx('survey_answers').insert({
      delivery_id: input.deliveryId,
      score: input.score,
      comment: input.comment,
      source: input.source,
      created_at: input.at,
    });
    const history = rowsOf(
      await trx('survey_answers')
        .where({ delivery_id: input.deliveryId })
        .orderBy([{ column: 'created_at' }, { column: 'id' }])
        .select('score', 'comment', 'created_at'),
    );
    const answers = history.map((h) => ({
      score: num(h, 'score'),
      comment: strOrNull(h, 'comment'),
      at: num(h, 'created_at'),
    }));
    const now = current(answers, input.sentAt);
    const row = {
      delivery_id: input.deliveryId,
      customer_id: input.customerId,
      automation_id: input.automationId,
      kind: input.kind,
      score: now.score,
      comment: now.comment,
      flagged: now.flagged,
      sent_at: input.sentAt,
      first_answered_at: now.firstAt,
      answered_at: now.lastAt,
    };
    if (previous) await trx('survey_responses').where({ delivery_id: input.deliveryId }).update(row);
    else await trx('survey_responses').insert(row);
    return { status: 'saved', previous, current: toResponse(row) };
  });
}

/** Every answer given to one message, oldest first. */
export async function answerHistory(
  knex: Knex,
  deliveryId: number,
): Promise<Array<{ score: number; comment: string | null; source: string; created_at: number }>> {
  const rows = rowsOf(
    await knex('survey_answers')
      .where({ delivery_id: deliveryId })
      .orderBy([{ column: 'created_at' }, { column: 'id' }]),
  );
  return rows.map((r) => ({
    score: num(r, 'score'),
    comment: strOrNull(r, 'comment'),
    source: str(r, 'source'),
    created_at: num(r, 'created_at'),
  }));
}

export interface ResponseFilter {
  /** Only answers to messages sent at or after this time. */
  since: number | null;
  /** Only these automations (undefined: all). */
  automationIds?: readonly string[];
}

function filtered(knex: Knex, filter: ResponseFilter): Knex.QueryBuilder {
  const query = knex('survey_responses');
  if (filter.since !== null) query.where('sent_at', '>=', filter.since);
  if (filter.automationIds) query.whereIn('automation_id', filter.automationIds);
  return query;
}

export interface ScoreTally {
  kind: SurveyKind;
  score: number;
  flagged: boolean;
  n: number;
}

/** How many answers of each kind, score and flag: the figures without reading every answer. */
export async function scoreTallies(knex: Knex, filter: ResponseFilter): Promise<ScoreTally[]> {
  const rows = rowsOf(
    await filtered(knex, filter)
      .groupBy('kind', 'score', 'flagged')
      .select('kind', 'score', 'flagged')
      .count({ n: '*' }),
  );
  return rows.map((r) => ({
    kind: oneOf(r, 'kind', SURVEY_KINDS),
    score: num(r, 'score'),
    flagged: bool(r, 'flagged'),
    n: num(r, 'n'),
  }));
}

/** Counted (not flagged) answers that carry a comment, newest first. */
export async function commentedResponses(
  knex: Knex,
  filter: ResponseFilter,
  limit: number,
): Promise<StoredResponse[]> {
  const rows = rowsOf(
    await filtered(knex, filter)
      .where('flagged', false)
      .whereNotNull('comment')
      .orderBy([
        { column: 'answered_at', order: 'desc' },
        { column: 'delivery_id', order: 'desc' },
      ])
      .limit(limit),
  );
  return rows.map(toResponse);
}

/** Customers among these whose current answer is low (at most `lowest[kind]`), not flagged, and given at or after `since`. */
export async function customersWithLowAnswers(
  knex: Knex,
  customerIds: readonly string[],
  since: number,
  lowest: Readonly<Record<SurveyKind, number>>,
): Promise<Set<string>> {
  const out = new Set<string>();
  for (const batch of chunks([...new Set(customerIds)], IN_CHUNK)) {
    const rows: unknown = await knex('survey_responses')
      .whereIn('customer_id', batch)
      .where('flagged', false)
      .where('answered_at', '>=', since)
      .where((q) => {
        for (const [kind, max] of Object.entries(lowest))
          q.orWhere((k) => {
            k.where('kind', kind).where('score', '<=', max);
          });
      })
      .distinct('customer_id');
    for (const id of strings(rows, 'customer_id')) out.add(id);
  }
  return out;
}
