import { execFile } from 'node:child_process'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, ENGINES, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { CLI, type ServerProcess, startServerProcess } from './support/server-process.js'

interface AuditEvent {
  event: string
  actor?: { kind?: string; id?: string; displayName?: string }
  resources?: { kind?: string; id?: string; email?: string }[]
  meta?: { labels?: Record<string, string> }
}

describe.each(ENGINES)('user tokens minted by the host CLI on %s', (engine) => {
  let db: TestDatabase
  let server: ServerProcess

  /**
   * The CLI run asynchronously: a synchronous spawn would stall this process's event loop, and with
   * it the fetch client's bookkeeping of idle keep-alive sockets.
   */
  const run = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const env = {
        PATH: process.env.PATH ?? '',
        OPENINDENT_DATA_DIR: db.dataDir,
        LOG_LEVEL: 'silent',
        ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
      }
      execFile(process.execPath, [CLI, ...args], { encoding: 'utf8', env }, (err, stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      )
    })
  const cli = async (...args: string[]) => {
    const r = await run(...args)
    if (r.status !== 0 || r.stderr !== '') throw new Error(`openindent ${args.join(' ')}: ${r.stderr}`)
    return r.stdout.trim()
  }
  const failing = run
  const api = (path: string, token: string) =>
    fetch(`${server.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })
  const tokenEvents = async (space: string): Promise<AuditEvent[]> => {
    const res = await api(`/spaces/${space}/events?event=token/create&pageSize=100`, server.token ?? '')
    expect(res.status).toBe(200)
    return ((await res.json()) as { events: AuditEvent[] }).events
  }

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    // PORT=0: the server listens on a port the CLI does not know, and has no OPENINDENT_PUBLIC_URL.
    server = await startServerProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl })
  })
  afterAll(async () => {
    await server.stop()
    await db.drop()
  })

  it("mints a token for the running server's issuer, and audits it as token/create naming the user", async () => {
    const token = await cli(
      'token',
      'create',
      '--space',
      'default',
      '--user',
      'Reviewer@Example.com',
      '--role',
      'editor',
    )
    expect((await api('/spaces/default/resources', token)).status).toBe(200)
    const claims = decodeJwt(token)
    expect(claims.exp).toBeDefined()
    expect(claims.aud).toBe(claims.iss)
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600)

    const events = await tokenEvents('default')
    const minted = events.find((e) => e.resources?.some((r) => r.id === claims.jti))
    expect(minted).toMatchObject({
      event: 'token/create',
      actor: { kind: 'openindent.v1.System', displayName: 'openindent CLI' },
      resources: [
        { kind: 'user', id: 'reviewer@example.com', email: 'reviewer@example.com' },
        { kind: 'openindent.v1.UserToken', id: claims.jti },
      ],
    })
    expect(minted?.meta?.labels?.['openindent.dev/expires']).toBe(
      new Date((claims.exp ?? 0) * 1000).toISOString(),
    )
  })

  it('writes the event in every space the user belongs to', async () => {
    // The first-run admin is an instance administrator: it may create spaces.
    const admin = await cli('token', 'create', '--space', 'default', '--user', 'admin@localhost')
    const make = await fetch(`${server.apiUrl}/spaces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ space: { name: 'second' } }),
    })
    expect(make.status).toBe(201)
    const put = await fetch(`${server.apiUrl}/spaces/second/members/both@example.com`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ member: { roles: ['viewer'] } }),
    })
    expect(put.status).toBe(200)
    const token = await cli(
      'token',
      'create',
      '--space',
      'default',
      '--user',
      'both@example.com',
      '--role',
      'viewer',
    )
    const jti = decodeJwt(token).jti
    const inSecond = await api(`/spaces/second/events?event=token/create&pageSize=100`, admin)
    const second = ((await inSecond.json()) as { events: AuditEvent[] }).events
    expect(second.filter((e) => e.resources?.some((r) => r.id === jti))).toHaveLength(1)
    expect((await tokenEvents('default')).filter((e) => e.resources?.some((r) => r.id === jti))).toHaveLength(
      1,
    )
  })

  it('--ttl sets the lifetime; longer than the maximum (24h) is refused and mints nothing', async () => {
    const token = await cli(
      'token',
      'create',
      '--space',
      'default',
      '--user',
      'reviewer@example.com',
      '--ttl',
      '8h',
    )
    const claims = decodeJwt(token)
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(8 * 3600)
    const before = (await tokenEvents('default')).length
    const r = await failing(
      'token',
      'create',
      '--space',
      'default',
      '--user',
      'reviewer@example.com',
      '--ttl',
      '25h',
    )
    expect(r.status).not.toBe(0)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/maximum/)
    expect((await tokenEvents('default')).length).toBe(before)
    expect(
      (
        await failing(
          'token',
          'create',
          '--space',
          'default',
          '--user',
          'reviewer@example.com',
          '--ttl',
          '1.5s',
        )
      ).status,
    ).toBe(2)
  })

  it('an email that is not a plain address is refused on --user and creates no one', async () => {
    const r = await failing(
      'token',
      'create',
      '--space',
      'default',
      '--user',
      '../../admin@localhost',
      '--role',
      'editor',
    )
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/--user|not an email address/)
    const members = await api('/spaces/default/members', server.token ?? '')
    const list = ((await members.json()) as { members: { email?: string }[] }).members
    expect(list.map((m) => m.email)).not.toContain('../../admin@localhost')
  })

  it('without --space, token commands use the space the server created (default), like the other host commands', async () => {
    const secret = await cli('token', 'create', '--service-account', 'nospace', '--role', 'viewer')
    expect((await api('/spaces/default/resources', secret)).status).toBe(200)
    const listed = await cli('token', 'list', '--service-account', 'nospace')
    const [id] = listed.split('\t')
    expect(listed).toContain('\tnospace\t')
    expect(await cli('token', 'revoke', id ?? '')).toBe(`revoked ${id}`)
    expect((await api('/spaces/default/resources', secret)).status).toBe(401)
  })
})
