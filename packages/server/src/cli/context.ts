import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { type Config, ConfigError, type ConfigFlags, loadConfig } from '../config.js'
import { accessSpace } from '../domain/auth/authenticate.js'
import type { SpaceAccess } from '../domain/auth/principal.js'
import { openRuntime, type Runtime } from '../runtime.js'
import { SQLITE_FILE } from '../store/connect.js'

/** Host-side commands open the database directly and act as the system, shown as "openindent CLI". */
export async function withRuntime<T>(flags: ConfigFlags, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const config = loadConfig(flags)
  requireExistingDatabase(config)
  const rt = await openRuntime(config, {})
  try {
    return await fn(rt)
  } finally {
    await rt.close()
  }
}

/**
 * Only `serve` and `migrate` create a database. Any other command pointed at a directory without one
 * (a typo in OPENINDENT_DATA_DIR, or run from another folder) would otherwise create an empty database
 * there and answer as if the instance had nothing in it.
 */
function requireExistingDatabase(config: Readonly<Config>): void {
  if (config.databaseUrl) return
  const file = join(config.dataDir, SQLITE_FILE)
  if (existsSync(file)) return
  throw new ConfigError(
    `no OpenIndent database at ${file}: set OPENINDENT_DATA_DIR (or --data-dir) to the directory the server uses, or DATABASE_URL for PostgreSQL; \`openindent serve\` or \`openindent migrate\` creates a new one`,
  )
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
