import type { IncomingMessage, RequestListener } from 'node:http'
import { principalKey } from '../domain/auth/principal.js'
import { prereadBodies } from './body.js'
import type { AppDeps } from './deps.js'
import { requestIdFor } from './middleware/request-context.js'

/**
 * The approval check is asked on every page view of an admin portal, so its repeat, a granted answer
 * already cached, is answered here on Node's request and response, before the app: no Fetch Request,
 * router, middleware chain, schema or JSON parse. It answers only what the app answered before for the
 * very same bytes, bearer token and space, while the token's principal, its access to the space and the
 * answer itself are all still cached (each dropped by what changes it: see Freshness). Anything else —
 * a miss, an odd header, a large or chunked body — goes to the app unchanged, with the body already
 * read (see `prereadBodies`), so validation, auth, limits and error answers stay in one place.
 */
export function fastCheck(deps: AppDeps, app: RequestListener): FastCheck {
  const log = new CachedAnswerLog(deps)
  const listener: RequestListener = (req, res) => {
    const url = req.url ?? ''
    const match = req.method === 'POST' && url.endsWith(':check') ? CHECK_PATH.exec(url) : null
    const space = match?.[1]
    if (space === undefined) return app(req, res)
    const h = req.headers
    const bearer = h.authorization === undefined ? undefined : BEARER.exec(h.authorization)?.[1]
    const length = Number(h['content-length'])
    if (
      bearer === undefined ||
      !(length > 0 && length <= Math.min(FAST_MAX_BYTES, deps.options.maxBodyBytes)) ||
      !JSON_TYPE.test(h['content-type'] ?? '')
    ) {
      return app(req, res)
    }
    const now = deps.clock.now()
    const principal = deps.caches.principals.get(bearer, now)
    const accessKey = principal && `${principalKey(principal)}\u0000${space}`
    if (accessKey === undefined || !deps.caches.access.get(accessKey, now)) return app(req, res)
    const start = performance.now()
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer).toString() : Buffer.concat(chunks).toString()
      const key = answerKey(accessKey, body)
      const hit = deps.checkAnswers.get(key, deps.clock.now())
      if (!hit) {
        prereadBodies.set(req, body)
        fastKeys.set(req, key)
        return app(req, res)
      }
      const incomingId = h['x-request-id']
      const requestId = requestIdFor(typeof incomingId === 'string' ? incomingId : undefined)
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(hit.text),
        'x-request-id': requestId,
      })
      // A string, not a Buffer: Node then sends headers and body in one write instead of a writev.
      res.end(hit.text)
      log.answered(requestId, url, start)
    })
  }
  return { listener, close: () => log.close() }
}

export interface FastCheck {
  /** Node's request listener: the fast path, then the app. */
  listener: RequestListener
  /** Logs the answers not logged yet. */
  close(): void
}

/** How often the cached answers are summed up in the log. */
const SUMMARY_MS = 1000

/**
 * The fast path's access log: one info line per second with how many cached answers went out and the
 * slowest, instead of a line per answer, whose serialization and write cost a third of an answer's
 * CPU. Each answer still gets its own line at debug level (same fields as request-context.ts).
 */
class CachedAnswerLog {
  private count = 0
  private maxMs = 0
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly deps: AppDeps) {}

  answered(requestId: string, path: string, start: number): void {
    const { logger } = this.deps
    const ms = performance.now() - start
    if (logger.isLevelEnabled('debug')) {
      logger.debug(
        { requestId, method: 'POST', path, status: 200, ms: +ms.toFixed(2), cached: true },
        'request',
      )
    }
    this.count++
    if (ms > this.maxMs) this.maxMs = ms
    this.timer ??= setTimeout(() => this.flush(), SUMMARY_MS).unref()
  }

  close(): void {
    clearTimeout(this.timer)
    this.flush()
  }

  private flush(): void {
    this.timer = undefined
    if (this.count === 0) return
    this.deps.logger.info(
      {
        route: 'POST /v1/spaces/{space}/approvals:check',
        status: 200,
        count: this.count,
        maxMs: +this.maxMs.toFixed(2),
      },
      'cached approval check answers',
    )
    this.count = 0
    this.maxMs = 0
  }
}

/**
 * Where the check route files a granted answer for the fast path: the key of a request the fast path
 * handed on after a miss. The key is the caller, the space and the body's exact bytes, which the app
 * then validated: the same bytes from the same caller get the same validation and the same answer.
 */
const fastKeys = new WeakMap<IncomingMessage, string>()

/** The fast path's key for the request of a Hono context's `env` (@hono/node-server's), if it has one. */
export function fastKeyOf(env: unknown): string | undefined {
  const incoming = (env as { incoming?: IncomingMessage } | undefined)?.incoming
  return incoming === undefined ? undefined : fastKeys.get(incoming)
}

const answerKey = (accessKey: string, body: string) => `fast\u0000${accessKey}\u0000${body}`

// Space names as the app's router sees them: no escapes, no query string, no trailing slash.
const CHECK_PATH = /^\/v1\/spaces\/([A-Za-z0-9._~-]{1,63})\/approvals:check$/
const BEARER = /^Bearer\s+(\S+)\s*$/i
const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i
/** Check bodies are small; a larger one is read by the app, under its own limits. */
const FAST_MAX_BYTES = 16 * 1024
