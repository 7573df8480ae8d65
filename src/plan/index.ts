/** The planner's public surface. */
export * from './types.js';
export { planCustomer, planPolicyFromConfig, customerZone, matchesWhere } from './plan.js';
export { exitConditionMet } from './exit-condition.js';
export type { TriggerPoint } from './exit-condition.js';
export {
  TimeCache,
  localIso,
  resolveLocal,
  localDateTimeOf,
  nextLocalTime,
  isValidZone,
  zoneOffset,
} from './time.js';
export { yearlyDate, isLeapYear, formatDate, formatDateTime } from './calendar.js';
export type { LocalDate, LocalDateTime, LeapDayPolicy } from './calendar.js';
export { occurrencesOf, DEFAULT_AT } from './rules.js';
export type { Occurrence } from './rules.js';
export { scheduleSlots } from './schedule.js';
export type { CronSlot } from './schedule.js';
export { applySendWindow, inSendWindow } from './send-window.js';
