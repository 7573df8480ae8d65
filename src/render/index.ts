/** The template engine's public surface. */
export { createTemplateEngine } from './engine.js';
export type {
  RenderedEmail,
  ReloadResult,
  TemplateEngine,
  TemplateEngineOptions,
  TemplateLogger,
} from './engine.js';
export { checkTemplateDir, formatProblem } from './check.js';
export type { AutomationTemplate, CheckOptions, Problem } from './check.js';
export { buildTemplateData, sampleTemplateData } from './data.js';
export type {
  BusinessInput,
  TemplateData,
  TemplateDataInput,
  TemplateBusiness,
  TemplateCustomer,
  TemplateEvent,
  TemplateItem,
  TemplateLinks,
} from './data.js';
