import { spawnSync } from 'node:child_process'
import type { TestDatabase } from '../../packages/server/test/helpers/databases.js'
import { CLI } from '../../test/support/server-process.js'

/**
 * A user access token minted with the host CLI beside the running server, as an operator would:
 * `openindent token create --space default --user <email> --role <role>` on the same database.
 */
export function createUserToken(db: TestDatabase, email: string, role = 'editor'): string {
  const r = spawnSync(
    process.execPath,
    [CLI, 'token', 'create', '--space', 'default', '--user', email, '--role', role],
    {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        OPENINDENT_DATA_DIR: db.dataDir,
        LOG_LEVEL: 'silent',
        ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
      },
    },
  )
  if (r.status !== 0 || r.stderr !== '') throw new Error(`token create failed (${r.status}): ${r.stderr}`)
  return r.stdout.trim()
}
