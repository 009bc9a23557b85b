import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

export interface ReceivedCall {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
  /** Date.now() when the whole body had arrived. */
  at: number
}

export interface Reply {
  status: number
  body?: unknown
}

/** A real HTTP server standing in for a webhook receiver: records every call, answers as told. */
export interface Receiver {
  url: string
  calls: ReceivedCall[]
  /** How the next calls are answered; 200 `{}` unless set. May wait (a slow receiver). */
  respond: (call: ReceivedCall) => Reply | Promise<Reply>
  /** Resolves once at least `n` calls arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

export async function startReceiver(): Promise<Receiver> {
  const r: Receiver = {
    url: '',
    calls: [],
    respond: () => ({ status: 200, body: {} }),
    async waitFor(n, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      while (r.calls.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} calls, got ${r.calls.length}`)
        await sleep(10)
      }
    },
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const call: ReceivedCall = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      }
      r.calls.push(call)
      Promise.resolve(r.respond(call))
        .then((reply) => {
          res.writeHead(reply.status, { 'content-type': 'application/json' })
          res.end(JSON.stringify(reply.body ?? {}))
        })
        .catch(() => res.destroy())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
  return r
}
