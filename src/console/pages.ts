/** The console's pages beyond sign-in, setup, users and account: each registers its own routes. */
import { automationsPage } from './automations/page.js';
import { broadcastsPage } from './broadcasts/page.js';
import type { ConsolePage } from './plugin.js';

export const CONSOLE_PAGES: readonly ConsolePage[] = [automationsPage, broadcastsPage];
