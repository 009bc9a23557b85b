import { existsSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliAccess } from '../../src/cli/context.js'
import { loadConfig } from '../../src/config.js'
import { INSTANCE_CHAIN } from '../../src/domain/audit/chains.js'
import { type Checkpoint, checkCheckpoints, parseCheckpoints } from '../../src/domain/audit/checkpoint.js'
import { writeEvents } from '../../src/domain/audit/write.js'
import { authenticate } from '../../src/domain/auth/authenticate.js'
import { bootstrap } from '../../src/domain/bootstrap.js'
import { openRuntime, type Runtime } from '../../src/runtime.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/databases.js'

/** A real HTTP listener that keeps what is POSTed to it, answering `status`. */
class Receiver {
  status = 204
  readonly received: Checkpoint[] = []
  private server: Server | undefined
  url = ''

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString()
      })
      req.on('end', () => {
        if (this.status < 300 && req.headers['content-type'] === 'application/json')
          this.received.push(JSON.parse(body) as Checkpoint)
        res.writeHead(this.status).end()
      })
    })
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/checkpoints`
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve())
  }
}

describe.each(ENGINES)('the checkpoint job on %s', (engine) => {
  let db: TestDatabase
  let rt: Runtime
  let file: string
  const receiver = new Receiver()
  const logs: string[] = []
  let spaceId: string

  const fileCheckpoints = () => (existsSync(file) ? parseCheckpoints(readFileSync(file, 'utf8'), file) : [])
  const note = async () =>
    writeEvents(rt, await cliAccess(rt, 'default'), [{ event: 'app/note', reason: 'something happened' }])

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    await receiver.start()
    file = join(db.dataDir, 'checkpoints.ndjson')
    const config = loadConfig(
      { databaseUrl: db.databaseUrl, dataDir: db.dataDir },
      {
        OPENINDENT_CHECKPOINT_FILE: file,
        OPENINDENT_CHECKPOINT_URL: receiver.url,
        OPENINDENT_CHECKPOINT_EVERY: '10m',
      },
    )
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString())
        done()
      },
    })
    rt = await openRuntime(config, { logger: pino({ level: 'warn' }, sink) })
    await bootstrap(rt, { spaceName: 'default', adminEmail: 'admin@example.com' })
    spaceId = (await cliAccess(rt, 'default')).space.id
  })
  afterAll(async () => {
    await rt?.close()
    await receiver.stop()
    await db?.drop()
  })

  it('is set up only when a file or URL is configured', async () => {
    expect(rt.checkpoints).toBeDefined()
    const plain = await openRuntime(
      loadConfig({ databaseUrl: db.databaseUrl, dataDir: db.dataDir }, { LOG_LEVEL: 'silent' }),
    )
    try {
      expect(plain.checkpoints).toBeUndefined()
    } finally {
      await plain.close()
    }
  })

  it('appends a line and POSTs the JSON for each chain, then only for heads that moved', async () => {
    expect(await rt.checkpoints?.runOnce()).toEqual({ sent: 4, failed: 0 })
    const first = fileCheckpoints()
    expect(first.map((c) => c.chain).sort()).toEqual([INSTANCE_CHAIN, spaceId].sort())
    expect(receiver.received).toEqual(first)
    expect(first.find((c) => c.chain === spaceId)?.space).toBe('default')

    expect(await rt.checkpoints?.runOnce()).toEqual({ sent: 0, failed: 0 })
    await note()
    expect(await rt.checkpoints?.runOnce()).toEqual({ sent: 2, failed: 0 })
    const all = fileCheckpoints()
    expect(all).toHaveLength(3)
    const head = await rt.store.audit.head(spaceId)
    expect(all[2]).toMatchObject({ chain: spaceId, seq: head?.seq, hash: head?.hash })
    expect(receiver.received).toEqual(all)
    // What it published is what verify --expect-head accepts.
    expect(await checkCheckpoints(rt.store, rt.checkpointSigner, spaceId, all)).toMatchObject({
      ok: true,
      checked: 2,
      latest: head?.seq,
    })
  })

  it('logs a failed POST, keeps running and the file current, and sends the head next time', async () => {
    receiver.status = 503
    await note()
    expect(await rt.checkpoints?.runOnce()).toEqual({ sent: 1, failed: 1 })
    expect(fileCheckpoints()).toHaveLength(4)
    expect(receiver.received).toHaveLength(3)
    expect(logs.join('')).toMatch(/checkpoint not published; it is retried on the next pass/)
    expect(logs.join('')).toContain(receiver.url)

    await note()
    receiver.status = 200
    expect(await rt.checkpoints?.runOnce()).toEqual({ sent: 2, failed: 0 })
    const head = await rt.store.audit.head(spaceId)
    expect(receiver.received.at(-1)).toMatchObject({ chain: spaceId, seq: head?.seq })
    expect(fileCheckpoints().at(-1)).toEqual(receiver.received.at(-1))
  })

  it('survives a receiver that is gone', async () => {
    await receiver.stop()
    await note()
    expect(await rt.checkpoints?.runOnce()).toEqual({ sent: 1, failed: 1 })
  })

  it('a checkpoint is not a user token, and a user token is not a checkpoint', async () => {
    const [cp] = fileCheckpoints()
    await expect(authenticate(rt, cp?.jws)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
    const user = await rt.store.principals.userByEmail('admin@example.com')
    const token = await rt.signer.sign({ email: 'admin@example.com', userId: user?.id ?? '' }, 3600)
    expect(await rt.checkpointSigner.verify(token)).toBeUndefined()
  })
})
