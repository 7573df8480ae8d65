/** The console's pages beyond sign-in, setup, users and account: each registers its own routes. */
import { dashboardPage } from './dashboard-page.js';
import type { ConsolePage } from './plugin.js';
import { upcomingPage } from './upcoming-page.js';

export const CONSOLE_PAGES: readonly ConsolePage[] = [dashboardPage, upcomingPage];
