/**
 * Taking a survey answer: store it (the history and the current answer), then act on what it
 * became. A low or high answer is recorded as a customer event (`survey.low` / `survey.high`),
 * which `on: { survey: low|high }` automations follow and which the staff alert reads; an
 * answer that stops being low (edited, or flagged as a scanner's) takes its event back, and
 * planning again cancels what that event had planned and not yet sent.
 */
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { getDelivery, insertPlanned, replanSkipped, type DeliveryRow } from '../db/deliveries.js';
import { deleteEvents, getEventsByIds, upsertEvents } from '../db/events.js';
import { saveAnswer, type StoredResponse } from '../db/surveys.js';
import type { Logger } from '../log.js';
import { surveyEventType } from '../plan/rules.js';
import { planNow } from '../schedule/tick.js';
import { currentAnswer, SCANNER_WINDOW_MS } from './answers.js';
import { scoreLevel } from './scale.js';
import type { SurveyToken } from './tokens.js';

/** Deliveries of the staff alert for a low answer: one per answered message (the occurrence). */
export const SURVEY_ALERT_AUTOMATION = 'survey:alert';
/** Why an alert was not sent: by the time it was due, the answer was no longer low. */
export const SURVEY_NOT_LOW = 'survey-not-low';

export interface SurveyDeps {
  db: Database;
  config: Config;
  log: Logger;
  now(): number;
  /** Hint the delivery loop that new work may be due. */
  wake(): void;
}

export type AnswerResult = { kind: 'locked' } | { kind: 'saved'; response: StoredResponse };

/** A sent message with survey links. */
export type Invitation = DeliveryRow & { sent_at: number };

/** The sent message a valid token names, or null when it does not exist (any more) or is not that customer's. */
export async function findInvitation(db: Database, token: SurveyToken): Promise<Invitation | null> {
  const row = await getDelivery(db.knex, token.deliveryId);
  if (!row || row.customer_id !== token.customerId || row.status !== 'sent' || row.sent_at === null)
    return null;
  return row as Invitation;
}

export interface AnswerInput {
  score: number;
  comment: string | null;
  source: 'form' | 'auto';
}

export async function recordAnswer(
  deps: SurveyDeps,
  token: SurveyToken,
  invitation: Invitation,
  input: AnswerInput,
): Promise<AnswerResult> {
  const now = deps.now();
  const saved = await saveAnswer(
    deps.db.knex,
    {
      deliveryId: invitation.id,
      customerId: invitation.customer_id,
      automationId: invitation.automation_id,
      kind: token.kind,
      sentAt: invitation.sent_at,
      ...input,
      at: now,
      editableMs: deps.config.surveys.editable,
    },
    currentAnswer,
  );
  if (saved.status === 'locked') return { kind: 'locked' };
  const { previous, current } = saved;
  deps.log.info(
    {
      event: 'survey.answered',
      delivery: current.delivery_id,
      kind: current.kind,
      score: current.score,
      flagged: current.flagged,
    },
    'survey answered',
  );
  await followUp(deps, previous, current, now);
  return { kind: 'saved', response: current };
}

type Level = 'low' | 'high' | null;

/** What an answer counts as: flagged and middling answers trigger nothing. */
function levelOf(response: StoredResponse | null): Level {
  if (!response || response.flagged) return null;
  const level = scoreLevel(response.kind, response.score);
  return level === 'neutral' ? null : level;
}

const eventId = (deliveryId: number, level: 'low' | 'high') => `survey:${deliveryId}:${level}`;

async function followUp(
  deps: SurveyDeps,
  previous: StoredResponse | null,
  current: StoredResponse,
  now: number,
): Promise<void> {
  const { knex } = deps.db;
  const before = levelOf(previous);
  const after = levelOf(current);
  if (before !== null && before !== after) await deleteEvents(knex, [eventId(current.delivery_id, before)]);
  if (after !== null) {
    const id = eventId(current.delivery_id, after);
    const stored = (await getEventsByIds(knex, [id])).get(id);
    // Not before the scanner window has passed: a scanner's answers may still be flagged.
    const occurredAt = stored?.occurred_at ?? Math.max(now, current.sent_at + SCANNER_WINDOW_MS);
    const data = {
      kind: current.kind,
      score: current.score,
      comment: current.comment,
      automation: current.automation_id,
      delivery: current.delivery_id,
    };
    await upsertEventOnce(
      deps.db,
      { id, customer_id: current.customer_id, type: surveyEventType(after), occurred_at: occurredAt, data },
      now,
    );
    if (after === 'low' && deps.config.business.alerts_to)
      await planAlert(deps.db, current, id, occurredAt, now);
  }
  if (before === after) return;
  await planNow(deps.db, deps.config, now, [current.customer_id]);
  deps.wake();
}

/** Two workers taking answers to one message at once may both insert: the second one's insert fails, and a retry updates. */
async function upsertEventOnce(
  db: Database,
  event: Parameters<typeof upsertEvents>[1][number],
  now: number,
): Promise<void> {
  try {
    await upsertEvents(db.knex, [event], now);
  } catch {
    await upsertEvents(db.knex, [event], now);
  }
}

/**
 * The unique occurrence key makes it one alert per message, however many workers get answers.
 * An alert skipped because the answer was no longer low (a scanner's, flagged) comes back when
 * a person's low answer follows.
 */
async function planAlert(
  db: Database,
  response: StoredResponse,
  event: string,
  dueAt: number,
  now: number,
): Promise<void> {
  const key = {
    automationId: SURVEY_ALERT_AUTOMATION,
    customerId: response.customer_id,
    occurrence: String(response.delivery_id),
  };
  const inserted = await insertPlanned(
    db.knex,
    [
      {
        ...key,
        triggerAt: dueAt,
        dueAt,
        localTime: new Date(dueAt).toISOString(),
        eventId: event,
        transactional: true,
        status: 'pending',
        reason: null,
      },
    ],
    now,
  );
  if (inserted === 0) await replanSkipped(db.knex, key, SURVEY_NOT_LOW, dueAt, now);
}
