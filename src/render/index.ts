/** The template engine's public surface (CONTRACT.md "Templates"). */
export { createTemplateEngine } from './engine.js';
export type {
  RenderedEmail,
  ReloadResult,
  TemplateEngine,
  TemplateEngineOptions,
  TemplateLogger,
} from './engine.js';
export { checkTemplateDir, checkSources, formatProblem } from './check.js';
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
export { readTemplateSources } from './load.js';
