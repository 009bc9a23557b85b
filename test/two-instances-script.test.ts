import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { IndentAPI } from '@openindent/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTestDatabase,
  POSTGRES_AVAILABLE,
  type TestDatabase,
} from '../packages/server/test/helpers/databases.js'
import { REPO_ROOT } from './support/server-process.js'

const SCRIPT = join(REPO_ROOT, 'scripts/two-instances.sh')

// What docker-compose.yml runs (two instances on one PostgreSQL, deploy/openindent.env), which cannot
// be built here: the script that runs the same layout without containers. PostgreSQL only, by design.
describe.skipIf(!POSTGRES_AVAILABLE)('scripts/two-instances.sh: two instances, one PostgreSQL', () => {
  let db: TestDatabase
  let script: ChildProcess
  let output = ''
  let exited: Promise<number | null>
  let urls: string[] = []
  let token = ''

  beforeAll(async () => {
    db = await createTestDatabase('postgres')
    script = spawn(SCRIPT, [], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DATABASE_URL: db.databaseUrl ?? '',
        OPENINDENT_PORTS: '0 0',
        OPENINDENT_LOG_DIR: db.dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    script.stdout?.on('data', (d: Buffer) => {
      output += d.toString()
    })
    script.stderr?.on('data', (d: Buffer) => {
      output += d.toString()
    })
    exited = new Promise((resolve) => script.once('exit', (code) => resolve(code)))
    const started = Date.now()
    while (!/^ready /m.test(output)) {
      if (Date.now() - started > 60_000 || script.exitCode !== null) {
        throw new Error(`the script did not get both instances ready:\n${output}`)
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    urls = [...output.matchAll(/^instance \d: (\S+)$/gm)].map((m) => m[1] ?? '')
    token = /^export INDENT_API_TOKEN=(\S+)$/m.exec(output)?.[1] ?? ''
  }, 90_000)
  afterAll(async () => {
    if (script && script.exitCode === null) {
      script.kill('SIGTERM')
      await exited
    }
    await db?.drop()
  })

  it('starts two instances from the shared settings, each answering with the same data', async () => {
    expect(urls).toHaveLength(2)
    expect(urls[0]).not.toBe(urls[1])
    expect(token).not.toBe('')
    const [one, two] = urls.map(
      (url) => new IndentAPI({ apiToken: token, spaceName: 'default', baseURL: `${url}/v1` }),
    )
    if (!one || !two) throw new Error('two clients')
    // A request on each: what one instance writes, the other reads.
    await one.resource.bulkUpdate({ resources: [{ kind: 'customer', id: 'cus_1', displayName: 'Acme' }] })
    const listed = await two.resource.list({ kind: 'customer' })
    expect(listed.resources.map((r) => r.displayName)).toEqual(['Acme'])
    const asked = await two.petition.check({
      petitioners: [{ kind: 'user', id: 'staff@example.com', email: 'staff@example.com' }],
      resources: [{ kind: 'customer', id: 'cus_1' }],
      wait: 0,
    })
    expect(asked.status).toBe('waiting')
    const open = await one.petition.list({ phase: 'open' })
    expect(open.petitions.map((p) => p.name)).toEqual([asked.petition.name])
    // Both run with deploy/openindent.env: its public URL is the issuer of the token they share.
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      iss: string
    }
    expect(payload.iss).toBe('http://localhost:8080')
  })

  it('stops both instances on SIGTERM', async () => {
    script.kill('SIGTERM')
    expect(await exited).toBe(0)
    for (const url of urls) {
      await expect(fetch(`${url}/healthz`)).rejects.toThrow()
    }
  })
})
