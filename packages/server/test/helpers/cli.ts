import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import SqliteDatabase from 'better-sqlite3'
import pg from 'pg'
import type { TestDatabase } from './databases.js'
import { type NodeRun, runNode } from './run-node.js'

const CLI = fileURLToPath(new URL('../../bin/openindent.js', import.meta.url))
const BUILT = fileURLToPath(new URL('../../dist/cli/audit.js', import.meta.url))

/** Runs the built CLI as a child process against the test database. */
export function openindent(db: TestDatabase, args: string[]): Promise<NodeRun> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    OPENINDENT_DATA_DIR: db.dataDir,
    LOG_LEVEL: 'silent',
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
  }
  return runNode([CLI, ...args], { env })
}

/** Runs SQL the way someone with the database in hand would, append-only triggers switched off first. */
export async function raw(db: TestDatabase, statements: string[]): Promise<void> {
  if (db.engine === 'sqlite') {
    const sqlite = new SqliteDatabase(join(db.dataDir, 'openindent.db'))
    try {
      for (const t of ['events_no_update', 'events_no_delete']) sqlite.exec(`DROP TRIGGER IF EXISTS ${t}`)
      for (const s of statements) sqlite.exec(s)
    } finally {
      sqlite.close()
    }
    return
  }
  const client = new pg.Client({ connectionString: db.databaseUrl })
  await client.connect()
  try {
    await client.query('ALTER TABLE events DISABLE TRIGGER USER')
    for (const s of statements) await client.query(s)
  } finally {
    await client.end()
  }
}

export function requireBuiltCli(): void {
  if (!existsSync(BUILT)) throw new Error('the CLI is not built: run `npx tsc -b` first')
}
