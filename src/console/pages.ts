/** The console's pages beyond sign-in, setup, users and account: each registers its own routes. */
import type { ConsolePage } from './plugin.js';
import { templatesPage } from './templates/page.js';

export const CONSOLE_PAGES: readonly ConsolePage[] = [templatesPage];
