import { connect, type Socket } from 'node:net'
import { percentile } from './stats.js'

export interface OpenLoopOptions {
  url: string
  headers: Record<string, string>
  body: string
  /** Requests per second offered, whatever the server does. */
  rate: number
  /** Seconds. */
  duration: number
  /** Answers that differ from it are counted as `mismatches`. */
  expectBody: string
  /** Keep-alive connections the requests are spread over (64 unless given). */
  connections?: number
}

export interface OpenLoopResult {
  /** Requests sent, and per second over the run (below `rate` only if this process fell behind). */
  sent: number
  offered: number
  ok: number
  non2xx: number
  errors: number
  mismatches: number
  /** Milliseconds from when each request was due (not when it went out) to its whole answer. */
  p50: number
  p99: number
  max: number
}

/**
 * Open-loop load: request i is due at start + i / rate and is written then, answered or not, on the
 * next of `connections` keep-alive connections in turn (pipelined behind any answer still owed on it).
 * Latency runs from the due time, so a server that stalls is charged for every request that waited
 * behind the stall (no coordinated omission, unlike a closed loop). Requests and answers go over raw
 * sockets with a minimal HTTP/1.1 reader: Node's HTTP client cost more CPU per request than the
 * servers measured, and on a shared machine the generator must not be the bottleneck. Requests are
 * written from a 1 ms timer, which adds up to a millisecond to the figures: they may overstate the
 * server's latency, never understate it.
 */
export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const { hostname, port, pathname } = new URL(o.url)
  const head =
    `POST ${pathname} HTTP/1.1\r\nhost: ${hostname}:${port}\r\n` +
    Object.entries({ ...o.headers, 'content-length': String(Buffer.byteLength(o.body)) })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')
  const requestBytes = Buffer.from(`${head}\r\n${o.body}`)
  const expected = Buffer.from(o.expectBody)
  const total = Math.round(o.rate * o.duration)
  const interval = 1000 / o.rate
  const latencies: number[] = []
  const r = { sent: 0, ok: 0, non2xx: 0, errors: 0, mismatches: 0 }
  let settle: () => void = () => {}
  const settled = new Promise<void>((resolve) => {
    settle = resolve
  })
  const answered = () => {
    if (latencies.length + r.errors === total) settle()
  }

  const conns = await Promise.all(
    Array.from({ length: o.connections ?? 64 }, () => openConnection(Number(port), hostname)),
  )
  for (const c of conns) {
    c.onAnswer = (status, body, due) => {
      latencies.push(performance.now() - due)
      if (status >= 200 && status < 300) r.ok++
      else r.non2xx++
      if (!body.equals(expected)) r.mismatches++
      answered()
    }
    c.onError = (owed) => {
      r.errors += owed
      answered()
    }
  }
  const start = performance.now()
  let next = 0
  const tick = () => {
    const now = performance.now()
    while (r.sent < total && start + r.sent * interval <= now) {
      const c = conns[next++ % conns.length]
      if (!c) break
      c.send(requestBytes, start + r.sent * interval)
      r.sent++
    }
    if (r.sent < total) setTimeout(tick, 1)
  }
  tick()
  await settled
  const elapsed = (performance.now() - start) / 1000
  for (const c of conns) c.socket.destroy()
  return {
    ...r,
    offered: r.sent / Math.max(elapsed, o.duration),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.reduce((a, b) => Math.max(a, b), 0),
  }
}

interface Connection {
  socket: Socket
  send(bytes: Buffer, due: number): void
  onAnswer: (status: number, body: Buffer, due: number) => void
  onError: (owed: number) => void
}

/** One keep-alive connection that reads answers in order (status line, content-length, body). */
function openConnection(port: number, host: string): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host, noDelay: true })
    const owed: number[] = []
    let buffer: Buffer = Buffer.alloc(0)
    const conn: Connection = {
      socket,
      send(bytes, due) {
        owed.push(due)
        socket.write(bytes)
      },
      onAnswer: () => {},
      onError: () => {},
    }
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n')
        if (end < 0) return
        const headers = buffer.subarray(0, end).toString('latin1')
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(headers)?.[1] ?? 0)
        if (buffer.length < end + 4 + length) return
        const status = Number(headers.slice(9, 12))
        const body = buffer.subarray(end + 4, end + 4 + length)
        buffer = buffer.subarray(end + 4 + length)
        conn.onAnswer(status, body, owed.shift() ?? performance.now())
      }
    })
    socket.once('connect', () => resolve(conn))
    socket.once('error', (err) => {
      reject(err)
      conn.onError(owed.splice(0).length)
    })
  })
}
