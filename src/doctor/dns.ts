/** DNS look-ups for the doctor, through node:dns; `server` (RAPPORT_DNS) points them at another resolver. */
import { Resolver } from 'node:dns/promises';
import { errnoCode } from '../error-fields.js';

export interface Dns {
  /** TXT records, each joined from its strings; [] when the name has none or does not exist. */
  txt(name: string): Promise<string[]>;
  mx(name: string): Promise<Array<{ exchange: string; priority: number }>>;
}

const MISSING = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

export function createDns(server?: string): Dns {
  const resolver = new Resolver({ timeout: 5_000, tries: 2 });
  if (server) resolver.setServers([server]);
  const orEmpty = async <T>(lookup: () => Promise<T[]>): Promise<T[]> => {
    try {
      return await lookup();
    } catch (error) {
      if (MISSING.has(errnoCode(error) ?? '')) return [];
      throw error;
    }
  };
  return {
    txt: async (name) => (await orEmpty(() => resolver.resolveTxt(name))).map((chunks) => chunks.join('')),
    mx: (name) => orEmpty(() => resolver.resolveMx(name)),
  };
}
