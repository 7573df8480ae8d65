/** What the console needs from the daemon: handed in by whoever mounts it. */
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import type { Logger } from '../log.js';
import type { DbRuntime } from '../runtime.js';
import type { StaffRole } from '../db/staff-users.js';

export interface ConsoleDeps {
  db: Database;
  config: Config;
  log: Logger;
  now: () => number;
  /** `http.public_url`: the origin staff browse to; https there makes the cookie Secure. */
  publicUrl: string;
  /** The whole runtime, for pages that plan, forecast or render (the fields above come from it). */
  rt: DbRuntime;
}

/** The signed-in person, on `request.staff`. */
export interface Staff {
  id: number;
  email: string;
  role: StaffRole;
}
