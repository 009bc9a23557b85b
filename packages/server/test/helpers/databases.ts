import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { Engine } from '../../src/store/schema.js'

/** The server every PostgreSQL test database is created on (CI and sessions: the local one). */
export const PG_ADMIN_URL = process.env.OPENINDENT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/**
 * Set (to the URL tried) by the global setup (test/support/postgres-probe.ts) when PostgreSQL could not
 * be reached outside CI. In CI it is never set: there a PostgreSQL that cannot be reached fails the run.
 */
export const POSTGRES_ABSENT_ENV = 'OPENINDENT_TEST_POSTGRES_ABSENT'

/** Whether the PostgreSQL suites run: always in CI; elsewhere when PostgreSQL answered at the start. */
export const POSTGRES_AVAILABLE = Boolean(process.env.CI) || !process.env[POSTGRES_ABSENT_ENV]

/** Both engines; SQLite alone only on a developer's machine without PostgreSQL (the run says so). */
export const ENGINES: Engine[] = POSTGRES_AVAILABLE ? ['sqlite', 'postgres'] : ['sqlite']

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
  // No PostgreSQL (a failing run): the folder is not left behind in the temp directory.
  await admin(`CREATE DATABASE ${name}`).catch((err: unknown) => {
    rmSync(dataDir, { recursive: true, force: true })
    throw err
  })
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
