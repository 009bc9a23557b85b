import { connect } from 'node:net'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { bootstrap } from '../../src/domain/bootstrap.js'
import { openRuntime } from '../../src/runtime.js'
import { type RunningServer, startServer } from '../../src/server.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/databases.js'

interface LogLine {
  level: number
  msg?: string
  status?: number
}

/** Sends raw bytes on a fresh connection and resolves with everything the server wrote until it closed. */
function rawExchange(port: number, chunks: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    socket.on('data', (d) => {
      received += d.toString()
    })
    socket.on('error', () => resolve(received))
    socket.on('close', () => resolve(received))
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c)
      // …and then nothing more: the client stalls with the connection open.
    })
    setTimeout(
      () => reject(new Error(`the server kept a stalled request open:\n${received}`)),
      20_000,
    ).unref()
  })
}

describe.each(ENGINES)('HTTP server timeouts on %s', (engine) => {
  let db: TestDatabase
  let server: RunningServer
  let token: string
  const lines: LogLine[] = []

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    const config = loadConfig(
      { databaseUrl: db.databaseUrl, dataDir: db.dataDir, port: 0 },
      { OPENINDENT_REQUEST_TIMEOUT: '2s', OPENINDENT_MAX_CHECK_WAIT: '1s' },
    )
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as LogLine)
        done()
      },
    })
    const rt = await openRuntime(config, { logger: pino({ level: 'info' }, sink) })
    token = (await bootstrap(rt, { spaceName: 'default', adminEmail: 'admin@example.com' }))?.token ?? ''
    server = await startServer(rt)
  })
  afterAll(async () => {
    await server.close(0)
    await db.drop()
  })

  it('the request timeout exceeds the longest approval-check hold; keep-alive outlasts common proxy idle timeouts', () => {
    const { requestTimeout, headersTimeout, keepAliveTimeout } = server.timeouts
    expect(requestTimeout).toBe(2000)
    expect(requestTimeout).toBeGreaterThan(1000)
    expect(headersTimeout).toBeLessThanOrEqual(requestTimeout)
    expect(keepAliveTimeout).toBeGreaterThan(60_000)
    // The defaults: 60 s against OPENINDENT_MAX_CHECK_WAIT's 30 s.
    const defaults = loadConfig({}, {})
    expect(defaults.requestTimeoutMs).toBe(60_000)
    expect(defaults.requestTimeoutMs).toBeGreaterThan(defaults.maxCheckWaitMs)
  })

  it('a client that sends half a body and stalls is cut off with 408, logged as its failure, not as a server error', async () => {
    const before = lines.length
    const body = JSON.stringify({ resources: [{ kind: 'customer', id: 'cus_1' }] })
    const received = await rawExchange(server.port, [
      'PUT /v1/spaces/default/resources:bulkUpdate HTTP/1.1\r\n',
      `Host: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n`,
      `Content-Length: ${body.length}\r\n\r\n`,
      body.slice(0, 10),
    ])
    expect(received).toMatch(/^HTTP\/1\.1 408 /)
    // Give the handler's own failure time to reach the log.
    await new Promise((r) => setTimeout(r, 300))
    const logged = lines.slice(before)
    expect(logged.filter((l) => l.level >= 50)).toEqual([])
    expect(logged.some((l) => l.msg === 'unhandled error')).toBe(false)
    expect(logged.some((l) => l.status === 500)).toBe(false)
    // Nothing was written.
    const list = await fetch(`${server.url}/v1/spaces/default/resources`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(((await list.json()) as { resources: unknown[] }).resources).toEqual([])
  })

  it('a client that stalls in the middle of its headers is cut off too', async () => {
    const received = await rawExchange(server.port, ['GET /v1/spaces HTTP/1.1\r\nHost: 127.0.0.1\r\n'])
    expect(received).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('an approval check held for the whole OPENINDENT_MAX_CHECK_WAIT is answered, not cut off', async () => {
    const res = await fetch(`${server.url}/v1/spaces/default/approvals:check`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        petitioners: [{ kind: 'user', id: 'a@example.com', email: 'a@example.com' }],
        resources: [{ kind: 'customer', id: 'cus_wait' }],
        wait: 30,
      }),
    })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { status: string }).status).toBe('waiting')
  })
})
