import type { ClientRequest, IncomingMessage } from 'node:http'
import type { CheckApprovalResponse } from '@openindent/contract'
import { type KeyedSubject, subjectKey, targetKey, type WatchPetitionEvent } from '@openindent/contract/watch'
import { spacePath } from './paths.js'

/**
 * Options of the decision cache (`decisionCache` in the {@link IndentAPI} options).
 *
 * @example
 * ```ts
 * new IndentAPI({ decisionCache: { staleAfterMs: 500 } }) // trust a silent stream for 0.5 s at most
 * new IndentAPI({ decisionCache: false }) // every check asks the server
 * ```
 */
export interface DecisionCacheOptions {
  /**
   * How long cached answers are still trusted after the last word from the server's watch stream,
   * in ms; default 1000. The stream speaks at least every 250 ms, so a live stream is always within
   * it; once it goes silent or drops, cached answers go on for at most this long, then every check
   * asks the server again until the stream is back. 0 turns the cache off.
   */
  staleAfterMs?: number
  /** The longest any answer is kept, in ms, whatever the stream says; default 10000 (the server's own bound). */
  maxAgeMs?: number
}

/** Counters of a decision cache, for benchmarks and tests. */
export interface DecisionCacheStats {
  /** Checks answered from memory. */
  hits: number
  /** Checks that went to the server. */
  misses: number
  /** Petition events heard on the watch streams. */
  events: number
}

/** Default of {@link DecisionCacheOptions.staleAfterMs}. */
export const DEFAULT_STALE_AFTER_MS = 1000
const DEFAULT_MAX_AGE_MS = 10_000
const RETRY_MIN_MS = 250
const RETRY_MAX_MS = 5000

/** Bumped by every write made through any client of this process: read-your-writes, whatever the stream. */
let processGeneration = 0

/** Drops every cached decision of this process (called by the client before any write it sends). */
export function forgetDecisions(): void {
  processGeneration++
}

interface Entry {
  response: CheckApprovalResponse
  petitioners: readonly string[]
  resources: readonly string[]
  /** The first grant's end, on the server's clock. */
  expireAt: number | undefined
  storedAt: number
  generation: number
}

/** Where the watch stream connects and how it authenticates. */
export interface WatchTarget {
  baseURL: string
  apiToken: string
}

/**
 * Approval-check answers kept in this process, so that a repeated check for a live grant costs
 * microseconds and no request. Only `granted` answers are kept, and only while they are known to be
 * true: one server-sent-event stream per space (`GET …/approvals:watch`) pushes every change to the
 * petitions of the identities and resources asked about (revocations, expiries, closes, denials), also
 * those made on other instances, and each drops the cached answers it concerns. Safety rules:
 * - nothing is cached until the stream is up, nor from a check during which the stream heard a change;
 * - when the stream is silent or down, answers are trusted for at most `staleAfterMs` (1 s) after the
 *   server last spoke, then every check asks the server; on reconnecting everything is dropped;
 * - an answer's `expireTime` is honoured locally, on the server's clock (offset from the stream);
 * - the server ends the stream when the token loses access (revoked, expired, removed): everything is
 *   dropped and, if the token is refused, the stream is not retried;
 * - any write made through any client of this process drops every cached answer at once.
 *
 * Node.js only (the stream's socket must not keep a process alive): elsewhere every check asks.
 */
export class DecisionCache {
  readonly stats: DecisionCacheStats = { hits: 0, misses: 0, events: 0 }
  readonly #watches = new Map<string, SpaceWatch>()
  readonly #staleAfterMs: number
  readonly #maxAgeMs: number
  #closed = false

  constructor(
    private readonly target: WatchTarget,
    options: DecisionCacheOptions = {},
  ) {
    this.#staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS
    this.#maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS
  }

  /** Whether answers may be cached at all here (on, in Node.js, not closed). */
  get enabled(): boolean {
    return this.#staleAfterMs > 0 && !this.#closed && isNode()
  }

  /** The cached answer to this check, if one is still known to be true. */
  lookup(space: string, petitioners: readonly KeyedSubject[], resources: readonly KeyedSubject[]) {
    const watch = this.#watches.get(space)
    const entry = watch?.entries.get(keyOf(petitioners, resources))
    if (!watch || !entry) return undefined
    const now = Date.now()
    if (
      entry.generation !== processGeneration ||
      now - entry.storedAt > this.#maxAgeMs ||
      (entry.expireAt !== undefined && now + watch.offset >= entry.expireAt)
    ) {
      watch.entries.delete(keyOf(petitioners, resources))
      return undefined
    }
    if (now - watch.lastHeard > this.#staleAfterMs) return undefined
    this.stats.hits++
    return entry.response
  }

  /**
   * Called before a check goes to the server: returns what `store` needs to tell whether the stream
   * was up and heard nothing meanwhile.
   */
  begin(space: string): number | undefined {
    this.stats.misses++
    const watch = this.#watches.get(space)
    return watch?.ready ? watch.epoch : undefined
  }

  /**
   * Keeps a granted answer, unless the stream was not up or heard a change since `begin`. The first
   * granted answer of a space opens its stream (so a process that never gets one never opens any);
   * answers are kept from the next one on.
   */
  store(
    space: string,
    petitioners: readonly KeyedSubject[],
    resources: readonly KeyedSubject[],
    response: CheckApprovalResponse,
    epoch: number | undefined,
    generation: number,
  ): void {
    if (response.status !== 'granted') return
    let watch = this.#watches.get(space)
    if (!watch) {
      watch = new SpaceWatch(this.target, space, this.stats)
      this.#watches.set(space, watch)
      watch.start()
    }
    if (epoch === undefined) return
    if (!watch.ready || watch.epoch !== epoch || generation !== processGeneration) return
    const expireAt = response.expireTime === undefined ? undefined : Date.parse(response.expireTime)
    watch.entries.set(keyOf(petitioners, resources), {
      response,
      petitioners: petitioners.map(subjectKey),
      resources: resources.map(targetKey),
      expireAt,
      storedAt: Date.now(),
      generation,
    })
  }

  /** The process-wide write generation, read before a check goes out (see `forgetDecisions`). */
  get generation(): number {
    return processGeneration
  }

  /** Closes the streams and forgets everything; later checks all ask the server. */
  close(): void {
    this.#closed = true
    for (const w of this.#watches.values()) w.stop()
    this.#watches.clear()
  }
}

const keyOf = (petitioners: readonly KeyedSubject[], resources: readonly KeyedSubject[]) =>
  `${[...new Set(petitioners.map(subjectKey))].sort().join('\u0000')}\u0001${[...new Set(resources.map(targetKey))].sort().join('\u0000')}`

const isNode = () => typeof process !== 'undefined' && typeof process.versions?.node === 'string'

/** One space's watch stream and the answers it keeps true. */
class SpaceWatch {
  readonly entries = new Map<string, Entry>()
  /** Bumped by every change heard and every (re)connection: a check that spans one is not stored. */
  epoch = 0
  ready = false
  /** Local time of the server's last word (any event). */
  lastHeard = Number.NEGATIVE_INFINITY
  /** Server clock minus local clock, in ms. */
  offset = 0
  #request: ClientRequest | undefined
  #retryMs = RETRY_MIN_MS
  #timer: NodeJS.Timeout | undefined
  #stopped = false

  constructor(
    private readonly target: WatchTarget,
    private readonly space: string,
    private readonly stats: DecisionCacheStats,
  ) {}

  start(): void {
    if (!isNode()) return
    void this.#connect()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#request?.destroy()
    this.#down()
    this.entries.clear()
  }

  async #connect(): Promise<void> {
    const url = new URL(`${this.target.baseURL}${spacePath(this.space)}/approvals:watch`)
    const http = url.protocol === 'https:' ? await import('node:https') : await import('node:http')
    if (this.#stopped) return
    const req = http.request(url, {
      method: 'GET',
      headers: { authorization: `Bearer ${this.target.apiToken}`, accept: 'text/event-stream' },
    })
    this.#request = req
    // The stream serves the checks; it must never be what keeps the process running.
    req.on('socket', (socket) => socket.unref())
    req.on('response', (res) => this.#listen(res))
    req.on('error', () => this.#lost())
    req.end()
  }

  #listen(res: IncomingMessage): void {
    const sse = res.headers['content-type']?.startsWith('text/event-stream') === true
    if (res.statusCode !== 200 || !sse) {
      res.resume()
      // A refused token, a space it cannot see, or a server without the stream (Indent's own, an
      // older OpenIndent): retrying will not help, and every check simply asks the server.
      if ([401, 403, 404, 405].includes(res.statusCode ?? 0) || (res.statusCode === 200 && !sse)) {
        this.#stopped = true
        this.entries.clear()
      }
      this.#lost()
      return
    }
    res.setEncoding('utf8')
    let buffer = ''
    res.on('data', (chunk: string) => {
      buffer += chunk
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        this.#message(buffer.slice(0, end))
        buffer = buffer.slice(end + 2)
      }
    })
    res.on('close', () => this.#lost())
  }

  #message(block: string): void {
    let event = 'message'
    let data = ''
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim()
      else if (line.startsWith('data:')) data += line.slice(5).trim()
    }
    const parsed = data ? (JSON.parse(data) as Record<string, unknown>) : {}
    this.lastHeard = Date.now()
    switch (event) {
      case 'ready':
        // Changes made while no stream was up were not heard: start from nothing.
        this.entries.clear()
        this.epoch++
        this.ready = true
        this.#retryMs = RETRY_MIN_MS
        this.#clock(parsed.now)
        return
      case 'ping':
        this.#clock(parsed.now)
        return
      case 'petition':
        this.stats.events++
        this.epoch++
        this.#drop(parsed as unknown as WatchPetitionEvent)
        return
      case 'end':
        this.entries.clear()
        this.#down()
        return
    }
  }

  #clock(now: unknown): void {
    if (typeof now === 'number') this.offset = now - Date.now()
  }

  /** Drops the answers that may rest on a grant of this petition: any petitioner × any resource of it. */
  #drop(e: WatchPetitionEvent): void {
    if (e.petitioners.length === 0 && e.resources.length === 0) {
      this.entries.clear()
      return
    }
    const who = new Set(e.petitioners)
    const what = new Set(e.resources)
    for (const [key, entry] of this.entries) {
      if (entry.petitioners.some((p) => who.has(p)) && entry.resources.some((r) => what.has(r))) {
        this.entries.delete(key)
      }
    }
  }

  #down(): void {
    this.ready = false
    this.epoch++
  }

  #lost(): void {
    if (this.#request === undefined) return
    this.#request = undefined
    this.#down()
    if (this.#stopped) return
    const delay = this.#retryMs / 2 + Math.random() * (this.#retryMs / 2)
    this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs * 2)
    this.#timer = setTimeout(() => void this.#connect(), delay)
    this.#timer.unref()
  }
}
