import { createServer, type RequestListener, type ServerOptions } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createApp } from './http/app.js'
import { type FastCheck, fastCheck } from './http/fast-check.js'
import type { Runtime } from './runtime.js'

export interface RunningServer {
  url: string
  port: number
  /** The Node server's timeouts, in ms, as set (see `serverTimeouts`). */
  timeouts: ServerTimeouts
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the database. */
  close(graceMs?: number): Promise<void>
}

export interface ServerTimeouts {
  requestTimeout: number
  headersTimeout: number
  keepAliveTimeout: number
}

/**
 * Set on purpose rather than left to Node's defaults:
 * - requestTimeout: the whole request (headers and body) must arrive within OPENINDENT_REQUEST_TIMEOUT
 *   (60 s by default, always longer than OPENINDENT_MAX_CHECK_WAIT, the 30 s an approval check or
 *   `:wait` may be held); a client that sends half a body and stalls is answered 408 and cut off.
 * - headersTimeout: headers are small; 20 s at most (never more than the request timeout).
 * - keepAliveTimeout: 65 s, longer than the 60 s idle timeout common in load balancers, so the server
 *   is not the side that closes an idle connection just as a proxy reuses it (a 502 there).
 */
export function serverTimeouts(requestTimeoutMs: number): ServerTimeouts {
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(20_000, requestTimeoutMs),
    keepAliveTimeout: 65_000,
  }
}

export async function startServer(rt: Runtime): Promise<RunningServer> {
  const app = createApp(rt)
  let fast: FastCheck | undefined
  const timeouts = serverTimeouts(rt.config.requestTimeoutMs)
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        port: rt.config.port,
        hostname: rt.config.host,
        // The approval check's cached answers go out before the app (see fast-check.ts).
        createServer: ((options: ServerOptions, listener: RequestListener) => {
          fast = fastCheck(rt, listener)
          return createServer(options, fast.listener)
        }) as typeof createServer,
        serverOptions: {
          ...timeouts,
          // How often Node checks for timed-out requests (30 s by default: too coarse for the above).
          connectionsCheckingInterval: Math.min(1000, timeouts.headersTimeout / 2),
        },
      },
      () => resolve(s),
    )
    s.once('error', reject)
  })
  rt.startJobs()
  const { port } = server.address() as AddressInfo
  const host = rt.config.host === '0.0.0.0' ? '127.0.0.1' : rt.config.host
  let closing: Promise<void> | undefined
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    timeouts,
    close(graceMs = 10_000) {
      closing ??= (async () => {
        const done = new Promise<void>((resolve) => server.close(() => resolve()))
        // Watch streams never finish by themselves: end them, or close() would wait out the grace.
        rt.watch.close()
        // Keep-alive sockets with no request in flight would hold close() open until they time out.
        if ('closeIdleConnections' in server) server.closeIdleConnections()
        const timer = setTimeout(() => {
          if ('closeAllConnections' in server) server.closeAllConnections()
        }, graceMs)
        await done
        clearTimeout(timer)
        fast?.close()
        await rt.close()
      })()
      return closing
    },
  }
}
