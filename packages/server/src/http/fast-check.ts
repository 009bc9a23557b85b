import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import { type Principal, principalKey } from '../domain/auth/principal.js'
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
  const inflight = new Map<string, Promise<void>>()

  /** Answers from the caches; false when any of them misses. */
  const answer = (req: IncomingMessage, res: ServerResponse, space: string, body: string, start: number) => {
    const now = deps.clock.now()
    const bearer = BEARER.exec(req.headers.authorization ?? '')?.[1]
    const principal = bearer === undefined ? undefined : deps.caches.principals.get(bearer, now)
    if (!principal) return false
    const accessKey = `${principalKey(principal)}\u0000${space}`
    if (!deps.caches.access.get(accessKey, now)) return false
    const hit = deps.checkAnswers.get(answerKey(accessKey, body), now)
    if (!hit) return false
    const incomingId = req.headers['x-request-id']
    const requestId = requestIdFor(typeof incomingId === 'string' ? incomingId : undefined)
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(hit.text),
      'x-request-id': requestId,
    })
    // A string, not a Buffer: Node then sends headers and body in one write instead of a writev.
    res.end(hit.text)
    log.answered(requestId, req.url ?? '', start)
    return true
  }

  const handOn = (req: IncomingMessage, res: ServerResponse, space: string, body: string) => {
    prereadBodies.set(req, body)
    fastRequests.set(req, { space, body })
    app(req, res)
  }

  const listener: RequestListener = (req, res) => {
    const url = req.url ?? ''
    const match = req.method === 'POST' && url.endsWith(':check') ? CHECK_PATH.exec(url) : null
    const space = match?.[1]
    if (space === undefined) return app(req, res)
    const h = req.headers
    const length = Number(h['content-length'])
    if (
      h.authorization === undefined ||
      !BEARER.test(h.authorization) ||
      !(length > 0 && length <= Math.min(FAST_MAX_BYTES, deps.options.maxBodyBytes)) ||
      !JSON_TYPE.test(h['content-type'] ?? '')
    ) {
      return app(req, res)
    }
    const start = performance.now()
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer).toString() : Buffer.concat(chunks).toString()
      if (answer(req, res, space, body, start)) return
      // A check that may be held (`wait`) is never made to queue behind another.
      if (body.includes('"wait"')) return handOn(req, res, space, body)
      // Identical requests that miss together (an entry just expired under load) wait for the first
      // to fill the caches instead of all going to the database: without this, a burst of misses can
      // queue up faster than the pool drains it and never catch up.
      const same = `${h.authorization}\u0000${space}\u0000${body}`
      const pending = inflight.get(same)
      if (pending) {
        void pending.then(() => {
          if (!answer(req, res, space, body, start)) handOn(req, res, space, body)
        })
        return
      }
      const done = new Promise<void>((resolve) => {
        res.once('close', resolve)
        setTimeout(resolve, COALESCE_MAX_MS).unref()
      })
      inflight.set(same, done)
      void done.then(() => inflight.delete(same))
      handOn(req, res, space, body)
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

/** Requests the fast path handed on after a miss: their space and body, as read. */
const fastRequests = new WeakMap<IncomingMessage, { space: string; body: string }>()

/**
 * Where the check route files a granted answer for the fast path, for the request of a Hono context's
 * `env` (@hono/node-server's) if the fast path handed it on: the caller, the space and the body's exact
 * bytes, which the app then validated. The same bytes from the same caller get the same validation
 * and the same answer.
 */
export function fastKeyOf(env: unknown, principal: Principal): string | undefined {
  const incoming = (env as { incoming?: IncomingMessage } | undefined)?.incoming
  const request = incoming && fastRequests.get(incoming)
  return request && answerKey(`${principalKey(principal)}\u0000${request.space}`, request.body)
}

const answerKey = (accessKey: string, body: string) => `fast\u0000${accessKey}\u0000${body}`

// Space names as the app's router sees them: no escapes, no query string, no trailing slash.
const CHECK_PATH = /^\/v1\/spaces\/([A-Za-z0-9._~-]{1,63})\/approvals:check$/
const BEARER = /^Bearer\s+(\S+)\s*$/i
const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i
/** Check bodies are small; a larger one is read by the app, under its own limits. */
const FAST_MAX_BYTES = 16 * 1024
/** The longest identical requests wait for the first before going to the app anyway. */
const COALESCE_MAX_MS = 2000
