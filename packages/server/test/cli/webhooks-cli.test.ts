import { execFile } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, type ServerProcess, startServerProcess } from '../../../../test/support/server-process.js'
import { api } from '../../../../test/support/two-instances.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/databases.js'
import { type Receiver, startReceiver } from '../helpers/receiver.js'

const CLI = fileURLToPath(new URL('../../bin/openindent.js', import.meta.url))

interface Run {
  code: number
  stdout: string
  stderr: string
}

describe.each(ENGINES)('openindent webhooks (the built CLI, over HTTP) on %s', (engine) => {
  let db: TestDatabase
  let server: ServerProcess
  let receiver: Receiver

  const webhooks = (...args: string[]) =>
    new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        [CLI, 'webhooks', ...args],
        {
          env: {
            PATH: process.env.PATH ?? '',
            INDENT_API_URL: server.apiUrl,
            INDENT_SPACE: 'default',
            INDENT_API_TOKEN: server.token ?? '',
          },
        },
        (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      )
    })

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    receiver = await startReceiver()
    server = await startServerProcess({
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
      env: { OPENINDENT_OUTBOX_MAX_ATTEMPTS: '1', OPENINDENT_OUTBOX_POLL: '50ms' },
    })
  })
  afterAll(async () => {
    await server.stop()
    await receiver.close()
    await db.drop()
  })

  it('creates a webhook, lists a dead letter and retries it by hand under the same delivery id', async () => {
    const created = await webhooks(
      'create',
      'provision',
      '--endpoint',
      receiver.url,
      '--handler',
      'applyUpdate',
    )
    expect(created.code).toBe(0)
    expect(created.stdout).toMatch(/^created webhook provision\nsecret whsec_\S+\n$/)
    const listed = await webhooks('list')
    expect(listed.stdout.split('\t').slice(0, 3)).toEqual(['provision', 'applyUpdate', receiver.url])

    receiver.respond = () => ({ status: 500, body: { error: 'not yet' } })
    const token = server.token ?? ''
    const reviewer = runCli(db, 'token', 'create', '--space', 'default', '--user', 'admin@localhost')
    const check = await api<{ petition: { name: string } }>(
      server,
      token,
      'POST',
      '/spaces/default/approvals:check',
      {
        petitioners: [{ kind: 'user', id: 'bob@example.com', email: 'bob@example.com' }],
        resources: [{ kind: 'customer', id: 'cus_cli' }],
      },
    )
    const claim = await api(
      server,
      reviewer,
      'POST',
      `/spaces/default/petitions/${check.body.petition.name}/claims`,
      {
        claim: { event: 'access/approve' },
      },
    )
    expect(claim.status).toBe(200)

    let dead: string[] = []
    for (let i = 0; i < 100 && dead.length === 0; i++) {
      await sleep(100)
      dead = (await webhooks('deliveries', '--status', 'dead')).stdout.split('\n').filter(Boolean)
    }
    expect(dead).toHaveLength(1)
    const [id, hook, status, attempts, , lastStatus] = dead[0]?.split('\t') ?? []
    expect([hook, status, attempts, lastStatus]).toEqual(['provision', 'dead', '1', '500'])
    expect(dead[0]).toMatch(/not yet/)

    receiver.respond = () => ({ status: 200 })
    const retried = await webhooks('deliveries', 'retry', id ?? '')
    expect(retried).toMatchObject({ code: 0, stdout: `retrying ${id} (provision)\n` })
    await receiver.waitFor(2)
    expect(receiver.calls.map((c) => c.headers['x-openindent-delivery'])).toEqual([id, id])
    let line = ''
    for (let i = 0; i < 50 && !line.includes('"status":"delivered"'); i++) {
      await sleep(100)
      line = (await webhooks('deliveries', 'list', '--webhook', 'provision', '--json')).stdout
    }
    expect(JSON.parse(line)).toMatchObject({
      name: id,
      status: 'delivered',
      attempts: 1,
      lastStatusCode: 200,
    })
  })

  it('refuses a bad delivery id (exit 2), a metadata URL and a second retry, changing nothing', async () => {
    expect((await webhooks('deliveries', 'retry', 'not an id!')).code).toBe(2)
    const metadata = await webhooks(
      'create',
      'steal',
      '--endpoint',
      'http://169.254.169.254/',
      '--handler',
      'applyUpdate',
    )
    expect(metadata.code).not.toBe(0)
    expect(metadata.stderr).toMatch(/metadata/)
    expect((await webhooks('list')).stdout).not.toMatch(/steal/)
    const [id] = (await webhooks('deliveries')).stdout.split('\t')
    const again = await webhooks('deliveries', 'retry', id ?? '')
    expect(again.code).not.toBe(0)
    expect(again.stderr).toMatch(/delivered already/)
  })
})
