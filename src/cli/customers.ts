/** `rapport customers export-person ID` and `rapport customers erase ID --reason TEXT`: a person's data rights. */
import { exportPerson, erasePerson } from '../console/data/person.js';
import { AppError } from '../errors.js';
import { withRuntime, withReadRuntime, type GlobalOptions } from './context.js';
import type { Io } from './io.js';

/** Who the logs name for a change made from the command line. */
const CLI_AUTHOR = 'cli';

export async function exportPersonCommand(io: Io, id: string, options: GlobalOptions): Promise<number> {
  return withReadRuntime(io, options, async (rt) => {
    io.out(JSON.stringify(await exportPerson(rt.db, id, rt.now()), null, 2));
    return 0;
  });
}

export async function eraseCommand(
  io: Io,
  id: string,
  options: GlobalOptions & { reason?: string },
): Promise<number> {
  const reason = (options.reason ?? '').trim();
  if (reason === '')
    throw new AppError('E_USAGE', '--reason: say why, e.g. --reason "erasure request of 3 May"');
  if (reason.length > 500)
    throw new AppError('E_USAGE', `--reason: at most 500 characters (got ${reason.length})`);
  return withRuntime(io, options, async (rt) => {
    const erased = await erasePerson(rt.db, id, CLI_AUTHOR, reason, rt.now());
    io.out(
      `customer ${id} erased: ${erased.events} events, ${erased.deliveries} deliveries ` +
        `(${erased.messages} stored messages), ${erased.consent} consent records; ` +
        `${erased.suppressed} stays suppressed`,
    );
    return 0;
  });
}
