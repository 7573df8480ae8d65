/** What the delivery decisions need to know about surveys, for one claimed batch. */
import type { Knex } from 'knex';
import type { Config } from '../config/schema.js';
import { lastSentAmong } from '../db/deliveries.js';
import { customersWithLowAnswers } from '../db/surveys.js';
import { LOWEST } from './scale.js';

export interface SurveyContext {
  /** Customers sent a survey invitation within `surveys.throttle`; updated as the batch goes. */
  invited: Map<string, number>;
  /** Customers whose marketing mail is held after a low answer (`surveys.hold_marketing`). */
  held: Set<string>;
}

export async function loadSurveyContext(
  knex: Knex,
  config: Config,
  customerIds: readonly string[],
  now: number,
): Promise<SurveyContext> {
  const surveys = config.automations.filter((a) => a.survey).map((a) => a.id);
  const hold = config.surveys.hold_marketing;
  return {
    invited: await lastSentAmong(knex, surveys, customerIds, now - config.surveys.throttle),
    held: hold > 0 ? await customersWithLowAnswers(knex, customerIds, now - hold, LOWEST) : new Set(),
  };
}
