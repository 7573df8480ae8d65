/** The console's pages beyond sign-in, setup, users and account: each registers its own routes. */
import { automationsPage } from './automations/page.js';
import { broadcastsPage } from './broadcasts/page.js';
import { dashboardPage } from './dashboard-page.js';
import { importPage } from './import/page.js';
import { customersPage } from './people/customers-page.js';
import { deliveriesPage } from './people/deliveries-page.js';
import { suppressionsPage } from './people/suppressions-page.js';
import type { ConsolePage } from './plugin.js';
import { templatesPage } from './templates/page.js';
import { upcomingPage } from './upcoming-page.js';

export const CONSOLE_PAGES: readonly ConsolePage[] = [
  dashboardPage,
  customersPage,
  importPage,
  deliveriesPage,
  upcomingPage,
  templatesPage,
  automationsPage,
  broadcastsPage,
  suppressionsPage,
];
