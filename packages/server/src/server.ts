import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createApp } from './http/app.js'
import type { Runtime } from './runtime.js'

export interface RunningServer {
  url: string
  port: number
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the database. */
  close(graceMs?: number): Promise<void>
}

export async function startServer(rt: Runtime): Promise<RunningServer> {
  const app = createApp(rt)
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: rt.config.port, hostname: rt.config.host }, () => resolve(s))
    s.once('error', reject)
  })
  rt.startJobs()
  const { port } = server.address() as AddressInfo
  const host = rt.config.host === '0.0.0.0' ? '127.0.0.1' : rt.config.host
  let closing: Promise<void> | undefined
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close(graceMs = 10_000) {
      closing ??= (async () => {
        const done = new Promise<void>((resolve) => server.close(() => resolve()))
        // Keep-alive sockets with no request in flight would hold close() open until they time out.
        if ('closeIdleConnections' in server) server.closeIdleConnections()
        const timer = setTimeout(() => {
          if ('closeAllConnections' in server) server.closeAllConnections()
        }, graceMs)
        await done
        clearTimeout(timer)
        await rt.close()
      })()
      return closing
    },
  }
}
