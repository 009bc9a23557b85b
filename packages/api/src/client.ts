import { VERSION } from '@openindent/contract/version'
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  IndentConfigError,
  IndentError,
} from './errors.js'
import { computeRetryDelay, shouldRetry } from './retry.js'

/**
 * HTTP methods the API uses.
 *
 * @example
 * ```ts
 * await client.request({ method: 'DELETE' satisfies HTTPMethod, path: '/spaces/acme/resources/e843ad66' })
 * ```
 */
export type HTTPMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/**
 * A query-string value; `undefined` leaves the parameter out, `null` sends it empty.
 *
 * @example
 * ```ts
 * const query: Record<string, QueryValue> = { pageSize: 50, pageToken: undefined } // ?pageSize=50
 * ```
 */
export type QueryValue = string | number | boolean | null | undefined

/**
 * Header values; `null` removes a header the SDK would otherwise send.
 *
 * @example
 * ```ts
 * const headers: HeadersInput = { 'X-Request-Source': 'admin-portal', 'X-Indent-Lang': null }
 * ```
 */
export type HeadersInput = Record<string, string | null | undefined>

/**
 * Per-call options: the last argument of every SDK method, as in stripe-node.
 *
 * @example
 * ```ts
 * await client.resource.create(
 *   { resource: { kind: 'customer', id: 'cus_123' } },
 *   { idempotencyKey: 'import-2024-06-01:cus_123', timeout: 10_000, maxRetries: 5 },
 * )
 * ```
 */
export interface RequestOptions {
  /** Sent as `Idempotency-Key`; generated once per call for POST when omitted, and reused on every retry. */
  idempotencyKey?: string
  /** Milliseconds per attempt before giving up with {@link APIConnectionTimeoutError}. */
  timeout?: number
  /** Retries after the first attempt. */
  maxRetries?: number
  /** Aborts the call, including any wait between retries, with {@link APIUserAbortError}. */
  signal?: AbortSignal
  /** Extra headers for this call; `null` removes one. */
  headers?: HeadersInput
}

/**
 * One API call as a namespace describes it; `path` is relative to `baseURL`.
 *
 * @example
 * ```ts
 * const req: APIRequest = { method: 'GET', path: '/spaces/acme/resources', query: { pageSize: 10 } }
 * ```
 */
export interface APIRequest {
  method: HTTPMethod
  path: string
  query?: Record<string, QueryValue>
  body?: unknown
  headers?: HeadersInput
}

/**
 * Fully resolved settings of an {@link APIClient}; {@link IndentAPI} fills them from its options and
 * the environment.
 *
 * @example
 * ```ts
 * const config: APIClientConfig = {
 *   apiToken: 'tok', spaceName: 'acme', baseURL: 'http://localhost:4100/v1', timeout: 600_000,
 *   maxRetries: 2, fetch: globalThis.fetch, defaultHeaders: {}, defaultQuery: {},
 * }
 * ```
 */
export interface APIClientConfig {
  apiToken: string
  spaceName: string | null
  baseURL: string
  timeout: number
  maxRetries: number
  fetch: typeof fetch
  defaultHeaders: HeadersInput
  defaultQuery: Record<string, QueryValue>
}

type Attempt =
  | { ok: true; status: number; text: string }
  | { ok: false; error: APIError; retryable: boolean; headers?: Headers }

/**
 * The request core shared by every namespace: URL and headers, JSON bodies, timeouts, retries with
 * backoff, idempotency keys and typed errors.
 *
 * @example
 * ```ts
 * // Call an endpoint the SDK has no method for yet:
 * const space = await client.request<{ name: string }>({ method: 'GET', path: '/spaces/acme' })
 * ```
 */
export class APIClient {
  /** The bearer token sent in `Authorization`. */
  readonly apiToken: string
  /** The space used when a call names none; also sent as `Indent-Space`. */
  readonly spaceName: string | null
  /** API root, e.g. `http://localhost:4100/v1`; paths are appended to it. */
  readonly baseURL: string
  /** Default milliseconds per attempt. */
  readonly timeout: number
  /** Default retries after the first attempt. */
  readonly maxRetries: number
  readonly #fetch: typeof fetch
  readonly #defaultHeaders: HeadersInput
  readonly #defaultQuery: Record<string, QueryValue>

  constructor(config: APIClientConfig) {
    this.apiToken = config.apiToken
    this.spaceName = config.spaceName
    this.baseURL = config.baseURL.replace(/\/+$/, '')
    this.timeout = validateTimeout(config.timeout)
    this.maxRetries = validateMaxRetries(config.maxRetries)
    this.#fetch = config.fetch
    this.#defaultHeaders = { ...config.defaultHeaders }
    this.#defaultQuery = { ...config.defaultQuery }
  }

  /**
   * Sends one API call, retrying transient failures, and resolves with the parsed JSON body.
   * Throws an {@link APIError} subclass chosen from the error envelope (see {@link APIError.generate}),
   * or a connection, timeout or abort error.
   *
   * @example
   * ```ts
   * const resource = await client.request<Resource>(
   *   { method: 'PUT', path: '/spaces/acme/resources/e843ad66', body: { resource } },
   *   { maxRetries: 0 },
   * )
   * ```
   */
  async request<T>(req: APIRequest, options: RequestOptions = {}): Promise<T> {
    const maxRetries =
      options.maxRetries === undefined ? this.maxRetries : validateMaxRetries(options.maxRetries)
    const timeout = options.timeout === undefined ? this.timeout : validateTimeout(options.timeout)
    const url = this.#buildURL(req.path, req.query)
    // Built once so the Idempotency-Key is the same on every attempt: that is what lets the server
    // recognise a retry of a POST whose first response was lost, instead of acting twice.
    const init: RequestInit = {
      method: req.method,
      headers: this.#buildHeaders(req, options),
      ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
    }
    for (let retriesDone = 0; ; retriesDone++) {
      if (options.signal?.aborted) throw new APIUserAbortError()
      const attempt = await this.#attempt(url, init, timeout, options.signal)
      if (attempt.ok) return parseBody<T>(attempt.status, attempt.text)
      if (!attempt.retryable || retriesDone >= maxRetries) throw finalError(attempt.error, url, retriesDone)
      await sleep(this.retryDelay(retriesDone, attempt.headers), options.signal)
    }
  }

  /**
   * Resolves the space a call runs in: its own `spaceName`, else the client's.
   *
   * @example
   * ```ts
   * client.resolveSpace() // 'acme' (from INDENT_SPACE)
   * client.resolveSpace('staging') // 'staging'
   * ```
   */
  resolveSpace(spaceName?: string | null): string {
    const space = spaceName ?? this.spaceName
    if (!space) {
      throw new IndentConfigError(
        'spaceName',
        'No space given: pass `spaceName` to this call, set `spaceName` on the client, or set INDENT_SPACE.',
      )
    }
    return space
  }

  /**
   * Milliseconds to wait before retry number `retriesDone + 1`, given the failed response's headers
   * (none after a connection failure). Override to change the backoff policy, e.g. to shorten it in tests.
   *
   * @example
   * ```ts
   * class PatientClient extends IndentAPI {
   *   protected override retryDelay(retriesDone: number, headers?: Headers) {
   *     return 2 * super.retryDelay(retriesDone, headers)
   *   }
   * }
   * ```
   */
  protected retryDelay(retriesDone: number, headers?: Headers): number {
    return computeRetryDelay(retriesDone, headers?.get('retry-after'))
  }

  async #attempt(url: string, init: RequestInit, timeout: number, signal?: AbortSignal): Promise<Attempt> {
    const controller = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, timeout)
    const onAbort = () => controller.abort()
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      // Called with no `this`: some runtimes' fetch throws "Illegal invocation" when bound to another object.
      const response = await this.#fetch.call(undefined, url, { ...init, signal: controller.signal })
      // Read the body before clearing the timer, so a server that stalls mid-body also times out.
      const text = await response.text()
      if (response.ok) return { ok: true, status: response.status, text }
      const headers = response.headers
      const error = APIError.generate(response.status, parseJSON(text) ?? text, headers)
      return { ok: false, error, retryable: shouldRetry(response.status, headers), headers }
    } catch (cause) {
      if (signal?.aborted) return { ok: false, error: new APIUserAbortError(), retryable: false }
      if (timedOut) return { ok: false, error: new APIConnectionTimeoutError(), retryable: true }
      return { ok: false, error: new APIConnectionError({ cause }), retryable: true }
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
  }

  #buildURL(path: string, query: Record<string, QueryValue> | undefined): string {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries({ ...this.#defaultQuery, ...query })) {
      if (value !== undefined) params.append(key, value === null ? '' : String(value))
    }
    const search = params.toString()
    return `${this.baseURL}${path.startsWith('/') ? path : `/${path}`}${search ? `?${search}` : ''}`
  }

  #buildHeaders(req: APIRequest, options: RequestOptions): Headers {
    const headers = new Headers({
      Accept: 'application/json',
      'Content-Type': 'application/json',
      'User-Agent': `OpenIndentAPI/JS ${VERSION}`,
      'X-Indent-Lang': 'js',
      Authorization: `Bearer ${this.apiToken}`,
    })
    if (this.spaceName) headers.set('Indent-Space', this.spaceName)
    applyHeaders(headers, this.#defaultHeaders)
    applyHeaders(headers, req.headers)
    const idempotencyKey = options.idempotencyKey ?? (req.method === 'POST' ? randomUUID() : undefined)
    if (idempotencyKey) headers.set('Idempotency-Key', idempotencyKey)
    applyHeaders(headers, options.headers)
    return headers
  }
}

/**
 * A failure to connect names the URL it tried and how often, so "server is down" and "wrong URL" can
 * be told apart without a debugger; other errors are the server's answer and stand as they are.
 */
function finalError(error: APIError, url: string, retriesDone: number): APIError {
  if (!(error instanceof APIConnectionError) || error instanceof APIConnectionTimeoutError) return error
  const cause = error.cause as { code?: unknown; cause?: { code?: unknown } } | undefined
  const code = cause?.cause?.code ?? cause?.code
  const target = url.split('?')[0]
  const tries = retriesDone + 1
  return new APIConnectionError({
    message: `Connection error: could not reach ${target}${typeof code === 'string' ? ` (${code})` : ''} after ${tries} attempt${tries === 1 ? '' : 's'}; is the server running, and is INDENT_API_URL (baseURL) right?`,
    cause: error.cause,
  })
}

function applyHeaders(target: Headers, source: HeadersInput | undefined): void {
  for (const [name, value] of Object.entries(source ?? {})) {
    if (value === null) target.delete(name)
    else if (value !== undefined) target.set(name, value)
  }
}

function parseBody<T>(status: number, text: string): T {
  if (status === 204 || text === '') return undefined as T
  try {
    return JSON.parse(text) as T
  } catch (cause) {
    throw new IndentError(`Expected a JSON response body, got: ${text.slice(0, 200)}`, { cause })
  }
}

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function randomUUID(): string {
  if (typeof globalThis.crypto?.randomUUID !== 'function') {
    throw new IndentError('crypto.randomUUID is unavailable; pass `idempotencyKey` in the request options.')
  }
  return globalThis.crypto.randomUUID()
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new APIUserAbortError())
    const onAbort = () => {
      clearTimeout(timer)
      reject(new APIUserAbortError())
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

// setTimeout fires at once for delays above 2^31 - 1 ms, which would turn a huge timeout into none.
const MAX_TIMEOUT_MS = 2 ** 31 - 1

function validateTimeout(timeout: number): number {
  if (!Number.isFinite(timeout) || timeout < 1 || timeout > MAX_TIMEOUT_MS) {
    throw new IndentError(`timeout must be between 1 and ${MAX_TIMEOUT_MS} milliseconds, got ${timeout}`)
  }
  return timeout
}

function validateMaxRetries(maxRetries: number): number {
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new IndentError(`maxRetries must be a non-negative integer, got ${maxRetries}`)
  }
  return maxRetries
}
