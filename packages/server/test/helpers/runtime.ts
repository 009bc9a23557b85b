import type { Hono } from 'hono'
import { pino } from 'pino'
import { loadConfig } from '../../src/config.js'
import { type BootstrapResult, bootstrap } from '../../src/domain/bootstrap.js'
import { ManualClock } from '../../src/domain/clock.js'
import { createApp } from '../../src/http/app.js'
import type { AppEnv } from '../../src/http/env.js'
import { openRuntime, type Runtime } from '../../src/runtime.js'
import type { Engine } from '../../src/store/schema.js'
import { createTestDatabase, type TestDatabase } from './databases.js'

export interface TestServer {
  engine: Engine
  rt: Runtime
  app: Hono<AppEnv>
  clock: ManualClock
  db: TestDatabase
  /** The first-run space, admin and service-account token (roles editor, petitionAdmin). */
  boot: BootstrapResult
  /** `app.request` with a bearer token and JSON body filled in. */
  call(method: string, path: string, opts?: CallOptions): Promise<Response>
  close(): Promise<void>
}

export interface CallOptions {
  token?: string | null
  body?: unknown
  /** Sent verbatim instead of JSON-encoding `body`. */
  rawBody?: string
  headers?: Record<string, string>
}

/** A bootstrapped runtime on a fresh database, with a manual clock and responses checked against their schemas. */
export async function startTestServer(
  engine: Engine,
  opts: { maxBodyBytes?: number; maxBulkBodyBytes?: number; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const db = await createTestDatabase(engine)
  const config = loadConfig(
    { databaseUrl: db.databaseUrl, dataDir: db.dataDir, space: 'default' },
    {
      LOG_LEVEL: 'silent',
      OPENINDENT_VALIDATE_RESPONSES: 'true',
      ...(opts.maxBodyBytes ? { OPENINDENT_MAX_BODY_BYTES: String(opts.maxBodyBytes) } : {}),
      ...(opts.maxBulkBodyBytes ? { OPENINDENT_MAX_BULK_BODY_BYTES: String(opts.maxBulkBodyBytes) } : {}),
      ...opts.env,
    },
  )
  const clock = new ManualClock(Date.UTC(2026, 0, 1))
  const rt = await openRuntime(config, { clock, logger: pino({ level: 'silent' }) })
  const boot = await bootstrap(rt, { spaceName: 'default', adminEmail: 'admin@example.com' })
  if (!boot) throw new Error('bootstrap did nothing on a fresh database')
  const app = createApp(rt)
  return {
    engine,
    rt,
    app,
    clock,
    db,
    boot,
    call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers }
      const token = o.token === undefined ? boot.token : o.token
      if (token !== null) headers.authorization = `Bearer ${token}`
      let body: string | undefined = o.rawBody
      if (body === undefined && o.body !== undefined) body = JSON.stringify(o.body)
      if (body !== undefined) headers['content-type'] ??= 'application/json'
      return Promise.resolve(app.request(path, { method, headers, body }))
    },
    async close() {
      await rt.close()
      await db.drop()
    },
  }
}
