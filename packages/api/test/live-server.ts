import type { Role } from '@openindent/contract'
// The server by relative path, as the repository's end-to-end tests import it: a devDependency on
// @openindent/server would make a cycle (the server depends on this SDK), and the database helper is
// test code that the server package does not export.
import { bootstrap, type Engine, loadConfig, openRuntime, startServer } from '../../server/src/index.js'
import { createTestDatabase, ENGINES } from '../../server/test/helpers/databases.js'
import { type ClientOptions, IndentAPI } from '../src/index.js'

export { ENGINES }

/** A real OpenIndent server, in this process, listening on a free port over real HTTP. */
export interface LiveServer {
  engine: Engine
  /** The API root, as `IndentAPI` takes it. */
  baseURL: string
  /** The first-run space. */
  space: string
  /** The first-run service-account token; its roles, editor and petitionAdmin, let it review and petition for anyone. */
  token: string
  adminEmail: string
  /** The first-run admin's user access token (a JWT whose `sub` is `adminEmail`), from its sign-in code. */
  adminToken: string
  /** A client of the first-run space, with `token` unless the options say otherwise. */
  client(options?: ClientOptions): IndentAPI
  /** The token of a new service account with these roles. */
  serviceAccountToken(name: string, roles: Role[]): Promise<string>
  close(): Promise<void>
}

/** Starts a bootstrapped server on a fresh database; `env` adds settings such as `OPENINDENT_MAX_BODY_BYTES`. */
export async function startLiveServer(engine: Engine, env: Record<string, string> = {}): Promise<LiveServer> {
  const db = await createTestDatabase(engine)
  const space = 'default'
  const adminEmail = 'admin@example.com'
  try {
    const config = loadConfig(
      { databaseUrl: db.databaseUrl, dataDir: db.dataDir, space, port: 0, host: '127.0.0.1' },
      { LOG_LEVEL: 'silent', OPENINDENT_VALIDATE_RESPONSES: 'true', ...env },
    )
    const rt = await openRuntime(config)
    const boot = await bootstrap(rt, { spaceName: space, adminEmail })
    const server = await startServer(rt)
    const baseURL = `${server.url}/v1`
    const close = async () => {
      await server.close()
      await db.drop()
    }
    if (!boot) {
      await close()
      throw new Error('bootstrap did nothing on a fresh database')
    }
    const client = (options: ClientOptions = {}) =>
      new IndentAPI({ apiToken: boot.token, spaceName: space, baseURL, ...options })
    const signIn = await client().request<{ accessToken: string }>({
      method: 'POST',
      path: '/auth/token',
      body: { grantType: 'signInCode', code: boot.signInCode },
    })
    return {
      engine,
      baseURL,
      space,
      token: boot.token,
      adminEmail,
      adminToken: signIn.accessToken,
      client,
      async serviceAccountToken(name, roles) {
        const api = client()
        await api.request({ method: 'POST', path: `/spaces/${space}/serviceAccounts`, body: { name, roles } })
        const created = await api.request<{ accessToken: string }>({
          method: 'POST',
          path: `/spaces/${space}/tokens`,
          body: { serviceAccount: name },
        })
        return created.accessToken
      },
      close,
    }
  } catch (err) {
    await db.drop()
    throw err
  }
}

/** One request as the SDK handed it to `fetch`. */
export interface Sent {
  method: string
  url: URL
  headers: Headers
  body: unknown
}

/**
 * A `fetch` that records each request and then sends it, unchanged, to the real server: what the SDK
 * sent is checked there, and what the server did with it is checked through the API.
 */
export function recordingFetch(): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = []
  const recording: typeof fetch = (input, init) => {
    const text = typeof init?.body === 'string' ? init.body : undefined
    sent.push({
      method: init?.method ?? 'GET',
      url: new URL(String(input)),
      headers: new Headers(init?.headers),
      body: text === undefined ? undefined : JSON.parse(text),
    })
    return fetch(input, init)
  }
  return { fetch: recording, sent }
}

let uniqueCount = 0

/** A name no other test of the file uses, so tests sharing one server do not see each other's data. */
export function unique(prefix: string): string {
  uniqueCount += 1
  return `${prefix}-${uniqueCount}`
}
