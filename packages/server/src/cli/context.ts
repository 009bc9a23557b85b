import { type ConfigFlags, loadConfig } from '../config.js'
import { accessSpace } from '../domain/auth/authenticate.js'
import type { SpaceAccess } from '../domain/auth/principal.js'
import { openRuntime, type Runtime } from '../runtime.js'

/** Host-side commands open the database directly and act as the system, shown as "openindent CLI". */
export async function withRuntime<T>(flags: ConfigFlags, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await openRuntime(loadConfig(flags), {})
  try {
    return await fn(rt)
  } finally {
    await rt.close()
  }
}

export function cliAccess(rt: Runtime, space: string): Promise<SpaceAccess> {
  return accessSpace(rt, { type: 'system', name: 'openindent CLI' }, space)
}

/** The global database flags every host-side command takes. */
export interface DbFlags {
  databaseUrl?: string
  dataDir?: string
}

export const dbFlags = (o: DbFlags): ConfigFlags => ({ databaseUrl: o.databaseUrl, dataDir: o.dataDir })
