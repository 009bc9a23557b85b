import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServerProcess, startServerProcess } from '../../../../test/support/server-process.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/databases.js'

const CLI = fileURLToPath(new URL('../../bin/openindent.js', import.meta.url))

interface Run {
  code: number
  stdout: string
  stderr: string
}

function run(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
      },
    )
  })
}

interface AuditEvent {
  event: string
  actor?: { id?: string }
  resources?: { id?: string }[]
  meta?: { labels?: Record<string, string> }
}

describe.each(ENGINES)('openindent members (the built CLI, over HTTP) on %s', (engine) => {
  let db: TestDatabase
  let server: ServerProcess

  const members = (...args: string[]) =>
    run(['members', ...args], {
      INDENT_API_URL: server.apiUrl,
      INDENT_SPACE: 'default',
      INDENT_API_TOKEN: server.token ?? '',
    })
  const list = async () => {
    const r = await members('list')
    expect(r.code).toBe(0)
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t'))
  }

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    server = await startServerProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl })
    if (!server.token) throw new Error(`the server printed no bootstrap token:\n${server.output()}`)
  })
  afterAll(async () => {
    await server?.stop()
    await db?.drop()
  })

  it('add, list, set-role and remove, each audited with the caller as actor', async () => {
    const added = await members('add', 'Jane@Example.com', '--role', 'viewer', '--display-name', 'Jane')
    expect(added).toMatchObject({ code: 0, stderr: '' })
    expect(added.stdout).toBe('added jane@example.com (viewer)\n')
    expect(await list()).toContainEqual(['jane@example.com', 'viewer', 'Jane'])

    const set = await members('set-role', 'jane@example.com', '--role', 'editor', '--role', 'petitionAdmin')
    expect(set).toMatchObject({ code: 0, stdout: 'set jane@example.com to editor,petitionAdmin\n' })
    const row = (await list()).find((c) => c[0] === 'jane@example.com')
    expect(row?.[1]?.split(',').sort()).toEqual(['editor', 'petitionAdmin'])

    const json = await members('list', '--json')
    const parsed = json.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { email?: string })
    expect(parsed.map((m) => m.email)).toContain('jane@example.com')

    expect(await members('remove', 'jane@example.com')).toMatchObject({
      code: 0,
      stdout: 'removed jane@example.com\n',
    })
    expect((await list()).map((c) => c[0])).not.toContain('jane@example.com')

    const res = await fetch(`${server.apiUrl}/spaces/default/events?pageSize=100&ascending=true`, {
      headers: { authorization: `Bearer ${server.token}` },
    })
    const events = ((await res.json()) as { events: AuditEvent[] }).events.filter((e) =>
      e.resources?.some((r) => r.id === 'jane@example.com'),
    )
    expect(events.map((e) => e.event)).toEqual(['member/update', 'member/update', 'member/delete'])
    for (const e of events) expect(e.actor?.id).toBe('bootstrap')
  })

  it('refuses what the server would: a bad email before sending (exit 2), a stranger for set-role, an unknown member for remove', async () => {
    const bad = await members('add', '../../admin@localhost', '--role', 'editor')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/not an email address/)
    expect((await list()).map((c) => c[0])).not.toContain('../../admin@localhost')
    expect((await members('add', 'x@example.com', '--role', 'owner')).code).toBe(2)
    expect((await members('add', 'x@example.com')).code).not.toBe(0)

    const stranger = await members('set-role', 'nobody@example.com', '--role', 'viewer')
    expect(stranger.code).not.toBe(0)
    expect(stranger.stderr).toMatch(/not a member/)
    expect((await list()).map((c) => c[0])).not.toContain('nobody@example.com')

    const gone = await members('remove', 'nobody@example.com')
    expect(gone.code).toBe(1)
    expect(gone.stderr).toMatch(/not found/)
  })

  it('acts as the token it is given: a viewer cannot change members', async () => {
    expect((await members('add', 'viewer@example.com', '--role', 'viewer')).code).toBe(0)
    const created = await fetch(`${server.apiUrl}/spaces/default/serviceAccounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'reader', roles: ['viewer'] }),
    })
    expect(created.status).toBe(201)
    const token = await fetch(`${server.apiUrl}/spaces/default/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ serviceAccount: 'reader' }),
    })
    const { accessToken } = (await token.json()) as { accessToken: string }
    const denied = await run(['members', 'remove', 'viewer@example.com'], {
      INDENT_API_URL: server.apiUrl,
      INDENT_SPACE: 'default',
      INDENT_API_TOKEN: accessToken,
    })
    expect(denied.code).toBe(1)
    expect(denied.stderr).toMatch(/editor/)
    expect((await list()).map((c) => c[0])).toContain('viewer@example.com')
  })
})
