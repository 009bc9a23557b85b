import { setTimeout as sleep } from 'node:timers/promises'
import { createTestDatabase, type TestDatabase } from '../../packages/server/test/helpers/databases.js'
import { runCli, type ServerProcess, startServerProcess } from './server-process.js'

/** Two `openindent serve` processes on one fresh PostgreSQL database, as replicas of one deployment. */
export interface TwoInstances {
  db: TestDatabase
  /** The instance that bootstrapped the space and printed its token. */
  a: ServerProcess
  b: ServerProcess
  /** The first-run service-account token (editor, petitionAdmin). */
  token: string
  /** Runs the host CLI against the shared database; returns its stdout. */
  cli(...args: string[]): string
  /** Both stop (SIGTERM) and the database is dropped; resolves with the exit codes. */
  stop(): Promise<(number | null)[]>
}

export async function startTwoInstances(extra: Record<string, string> = {}): Promise<TwoInstances> {
  // The suites use many revoked tokens on purpose; the per-address limit on failures would stop them.
  const env = { OPENINDENT_AUTH_FAILURES_PER_MINUTE: '100000', ...extra }
  const db = await createTestDatabase('postgres')
  const started = await Promise.allSettled(
    [0, 1].map(() => startServerProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, env })),
  )
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const stop = async () => {
    const codes = await Promise.all(servers.map((s) => s.stop()))
    await db.drop()
    return codes
  }
  const failed = started.find((s) => s.status === 'rejected')
  if (failed) {
    await stop()
    throw failed.reason
  }
  const [first, second] = servers as [ServerProcess, ServerProcess]
  const [a, b] = second.token !== undefined ? [second, first] : [first, second]
  if (a.token === undefined) {
    await stop()
    throw new Error('neither instance bootstrapped the space')
  }
  return { db, a, b, token: a.token, cli: (...args) => runCli(db, ...args), stop }
}

/**
 * The instance id a server logs at start-up at debug level (start it with LOG_LEVEL=debug): it names
 * the server's listener connection in pg_stat_activity.
 */
export async function instanceIdOf(server: ServerProcess): Promise<string> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const id = /"instance":"(inst_[^"]+)"/.exec(server.output())?.[1]
    if (id) return id
    if (Date.now() > deadline) throw new Error(`no instance id in the log:\n${server.output()}`)
    await sleep(20)
  }
}

/** A JSON request to `server`'s API with a bearer token; resolves with the status and parsed body. */
export async function api<T = unknown>(
  server: ServerProcess,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T }
}

/** The median and 99th percentile of `samples`, in their unit. */
export function percentiles(samples: readonly number[]): { p50: number; p99: number; max: number } {
  const sorted = [...samples].sort((x, y) => x - y)
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN }
}
