import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ERROR_TYPE } from '@openindent/contract'
import { IndentAPI } from '../src/index.js'

/*
 * A scripted HTTP peer, NOT a stand-in for the server: what the server does is tested against the real
 * one (live-server.ts). The peer is for what a real server cannot do on demand:
 * - fail: refuse connections, stall a response or its body, answer 5xx or 429 (with Retry-After) and
 *   then succeed, answer every long-poll at once;
 * - answer as no OpenIndent server does: unknown statuses, codes and types, non-JSON or empty bodies;
 * - show the exact requests the SDK builds where that is what a test is about (headers, environment
 *   defaults, idempotency keys on retries, bulk chunk sizes and concurrency), with any answer.
 */

export interface Recorded {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: unknown
}

export type Handler = (req: Recorded, res: ServerResponse, attempt: number) => void | Promise<void>

export interface Peer {
  baseURL: string
  requests: Recorded[]
  close: () => Promise<void>
}

/** A real HTTP peer on 127.0.0.1; `attempt` counts requests received so far, starting at 0. */
export async function startPeer(handler: Handler): Promise<Peer> {
  const requests: Recorded[] = []
  const server = createServer((req, res) => {
    // A peer is a server without the decision cache's watch stream, like Indent's own: the SDK asks
    // for it after a granted check, is told 404, and never asks again. Not recorded: tests count checks.
    if (req.url?.endsWith('/approvals:watch')) {
      res.statusCode = 404
      res.end()
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const recorded: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? JSON.parse(text) : undefined,
      }
      requests.push(recorded)
      Promise.resolve(handler(recorded, res, requests.length - 1)).catch((error: unknown) => {
        res.statusCode = 599
        res.end(String(error))
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A base URL on which nothing listens: a port that was just bound and released. */
export async function refusedBaseURL(): Promise<string> {
  const peer = await startPeer(() => {})
  await peer.close()
  return peer.baseURL
}

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

/** The server's error envelope; `type` is the contract's for a known code unless `extra` says otherwise. */
export function errorBody(code: string, message: string, extra: Record<string, string> = {}) {
  const type = Object.hasOwn(ERROR_TYPE, code) ? ERROR_TYPE[code as keyof typeof ERROR_TYPE] : 'api_error'
  return { error: { code, message, type, requestId: 'req_123', ...extra } }
}

/** Records the delays the real retry policy asks for, then waits `scale` times as long, so tests stay fast. */
export class RecordingIndentAPI extends IndentAPI {
  readonly delays: number[] = []
  scale = 0

  protected override retryDelay(retriesDone: number, headers?: Headers): number {
    const delay = super.retryDelay(retriesDone, headers)
    this.delays.push(delay)
    return delay * this.scale
  }
}
