import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { Engine } from '../../src/store/schema.js'

/** Both engines, always: a PostgreSQL that cannot be reached fails the run instead of skipping it. */
export const ENGINES: Engine[] = ['sqlite', 'postgres']

/** The server every PostgreSQL test database is created on (CI and sessions: the local one). */
export const PG_ADMIN_URL = process.env.OPENINDENT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface TestDatabase {
  engine: Engine
  /** Set for PostgreSQL. */
  databaseUrl: string | undefined
  /** Set for SQLite (and harmless for PostgreSQL). */
  dataDir: string
  drop(): Promise<void>
}

/** A fresh, empty database of its own: a new PostgreSQL database, or a new SQLite directory. */
export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'openindent-test-'))
  if (engine === 'sqlite') {
    return {
      engine,
      databaseUrl: undefined,
      dataDir,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    }
  }
  const name = `openindent_test_${process.pid}_${randomBytes(4).toString('hex')}`
  await admin(`CREATE DATABASE ${name}`)
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${name}`
  return {
    engine,
    databaseUrl: url.toString(),
    dataDir,
    drop: async () => {
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}
