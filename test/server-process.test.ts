import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { type ServerProcess, startServerProcess } from './support/server-process.js'

interface RawResponse {
  status: number
  body: string
}

/** A PUT whose body is written in two parts, with `between` run after the first. */
function slowPut(
  url: string,
  token: string,
  body: string,
  between: () => Promise<void>,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = ''
        res.on('data', (d: Buffer) => {
          text += d.toString()
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      },
    )
    req.on('error', reject)
    const half = Math.floor(body.length / 2)
    req.write(body.slice(0, half))
    void between().then(() => req.end(body.slice(half)))
  })
}

function send(url: string, token: string, headers: Record<string, string | number>, chunks: string[]) {
  return new Promise<RawResponse>((resolve, reject) => {
    const req = request(
      url,
      { method: 'PUT', headers: { authorization: `Bearer ${token}`, ...headers } },
      (res) => {
        let text = ''
        res.on('data', (d: Buffer) => {
          text += d.toString()
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      },
    )
    req.on('error', reject)
    for (const c of chunks) req.write(c)
    req.end()
  })
}

describe('the server process', () => {
  let db: TestDatabase
  let server: ServerProcess
  const bulk = () => `${server.apiUrl}/spaces/default/resources:bulkUpdate`

  beforeAll(async () => {
    db = await createTestDatabase('sqlite')
    server = await startServerProcess({
      dataDir: db.dataDir,
      env: { OPENINDENT_MAX_BODY_BYTES: '65536', OPENINDENT_MAX_BULK_BODY_BYTES: '65536' },
    })
  })
  afterAll(async () => {
    await server.stop()
    await db.drop()
  })

  it('refuses an oversized body with 413 over real HTTP, by Content-Length and while streaming', async () => {
    const token = server.token ?? ''
    const big = JSON.stringify({ resources: [{ kind: 'k', id: 'x'.repeat(70_000) }] })
    const declared = await send(
      bulk(),
      token,
      { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) },
      [big],
    )
    expect(declared.status).toBe(413)
    expect(JSON.parse(declared.body).error.code).toBe('PAYLOAD_TOO_LARGE')
    const chunked = await send(
      bulk(),
      token,
      { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      [big.slice(0, 40_000), big.slice(40_000)],
    )
    expect(chunked.status).toBe(413)
    const small = JSON.stringify({ resources: [{ kind: 'customer', id: 'c1' }] })
    const ok = await send(
      bulk(),
      token,
      { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      [small],
    )
    expect(ok.status).toBe(200)
  })

  it('on SIGTERM finishes the request in flight, refuses new ones and exits 0; the next start keeps the data', async () => {
    const token = server.token ?? ''
    const body = JSON.stringify({
      resources: [{ kind: 'customer', id: 'in-flight', labels: { plan: 'pro' } }],
    })
    let exited: Promise<number | null> = Promise.resolve(null)
    const response = await slowPut(bulk(), token, body, async () => {
      await new Promise((r) => setTimeout(r, 100))
      exited = server.stop()
      await new Promise((r) => setTimeout(r, 200))
    })
    expect(response.status).toBe(200)
    expect(await exited).toBe(0)
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()

    const again = await startServerProcess({ dataDir: db.dataDir })
    try {
      expect(again.token).toBeUndefined()
      expect(again.output()).not.toContain('First run')
      const res = await fetch(`${again.apiUrl}/spaces/default/resources?kind=customer`, {
        headers: { authorization: `Bearer ${token}` },
      })
      const { resources } = (await res.json()) as { resources: { id: string }[] }
      expect(resources.map((r) => r.id)).toEqual(['c1', 'in-flight'])
    } finally {
      expect(await again.stop()).toBe(0)
    }
  })
})
