import pg from 'pg'
import { PG_ADMIN_URL, POSTGRES_ABSENT_ENV } from '../../packages/server/test/helpers/databases.js'

/**
 * Vitest global setup: on a developer's machine without PostgreSQL, the PostgreSQL suites are left out
 * (and the run says so) instead of failing by the dozen. In CI (CI=true) nothing is probed: PostgreSQL
 * is required there, and a suite that cannot reach it fails.
 */
export default async function probePostgres(): Promise<void> {
  if (process.env.CI) return
  if (await reachable(PG_ADMIN_URL)) return
  // Worker processes are forked after global setup, so they inherit this.
  process.env[POSTGRES_ABSENT_ENV] = PG_ADMIN_URL
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  // An unreachable server also emits 'error' on the client; it is answered by connect()'s rejection.
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}
