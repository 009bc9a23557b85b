import { APIClient, type HeadersInput, type QueryValue } from './client.js'
import { readEnv } from './env.js'
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  IndentConfigError,
  IndentError,
  InternalServerError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  UnsupportedMediaTypeError,
} from './errors.js'
import { PetitionAPI } from './petitions.js'
import { ResourceAPI } from './resources.js'

/**
 * Where the client sends requests when neither `baseURL` nor `INDENT_API_URL` is set: a local
 * `openindent serve`.
 *
 * @example
 * ```ts
 * new IndentAPI({ apiToken }).baseURL === DEFAULT_BASE_URL // true when INDENT_API_URL is unset
 * ```
 */
export const DEFAULT_BASE_URL = 'http://localhost:4100/v1'
/**
 * Default milliseconds per attempt (10 minutes, as Indent's client).
 *
 * @example
 * ```ts
 * await client.resource.list({}, { timeout: DEFAULT_TIMEOUT / 10 })
 * ```
 */
export const DEFAULT_TIMEOUT = 600_000
/**
 * Default retries after the first attempt.
 *
 * @example
 * ```ts
 * const patient = new IndentAPI({ maxRetries: DEFAULT_MAX_RETRIES * 2 })
 * ```
 */
export const DEFAULT_MAX_RETRIES = 2

/**
 * Options of {@link IndentAPI}; the same as Indent's `IndentAPI`.
 *
 * @example
 * ```ts
 * const options: ClientOptions = { apiToken: 'tok', spaceName: 'acme', baseURL: 'https://access.example.com/v1' }
 * ```
 */
export interface ClientOptions {
  /** Bearer token; defaults to `INDENT_API_TOKEN`. Required. */
  apiToken?: string
  /** Space used when a call names none; defaults to `INDENT_SPACE`. `null` means none, ignoring the environment. */
  spaceName?: string | null
  /** API root; defaults to `INDENT_API_URL`, else `http://localhost:4100/v1`. */
  baseURL?: string
  /** Milliseconds per attempt; default 600000. */
  timeout?: number
  /** Retries after the first attempt; default 2. */
  maxRetries?: number
  /** A `fetch` implementation; defaults to the global one. */
  fetch?: typeof fetch
  /** Headers sent on every request; `null` removes one the SDK would send. */
  defaultHeaders?: HeadersInput
  /** Query parameters sent on every request. */
  defaultQuery?: Record<string, QueryValue>
  /**
   * Allow use in a browser, where the token would be visible to anyone using the page. Only for
   * short-lived user tokens in apps whose users may see them.
   */
  dangerouslyAllowBrowser?: boolean
}

/**
 * Every option {@link IndentAPI} takes, in one place: anything else is refused, so a misspelt option
 * (`token` for `apiToken`) cannot silently fall back to the environment's token and act as someone
 * else. Typed against {@link ClientOptions}, so a new option must be added here too.
 *
 * @example
 * ```ts
 * Object.keys(CLIENT_OPTIONS) // ['apiToken', 'spaceName', 'baseURL', …]
 * ```
 */
export const CLIENT_OPTIONS: Readonly<Record<keyof ClientOptions, true>> = {
  apiToken: true,
  spaceName: true,
  baseURL: true,
  timeout: true,
  maxRetries: true,
  fetch: true,
  defaultHeaders: true,
  defaultQuery: true,
  dangerouslyAllowBrowser: true,
}

/** Names people reach for first, and the option they mean. */
const LIKELY_MEANT: Record<string, string> = {
  token: 'apiToken',
  apiKey: 'apiToken',
  space: 'spaceName',
  url: 'baseURL',
  baseUrl: 'baseURL',
  apiUrl: 'baseURL',
}

function refuseUnknownOptions(options: ClientOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new IndentConfigError('options', 'new IndentAPI() takes an options object, or nothing')
  }
  for (const name of Object.keys(options)) {
    if (Object.hasOwn(CLIENT_OPTIONS, name)) continue
    const meant = LIKELY_MEANT[name]
    throw new IndentConfigError(
      name,
      `Unknown option \`${name}\` for new IndentAPI()${meant ? `: did you mean \`${meant}\`?` : ''} ` +
        `Options: ${Object.keys(CLIENT_OPTIONS).join(', ')}.`,
    )
  }
}

function checkBaseURL(baseURL: string): string {
  let url: URL
  try {
    url = new URL(baseURL)
  } catch {
    throw new IndentConfigError(
      'baseURL',
      `baseURL (or INDENT_API_URL) is not a URL: ${JSON.stringify(baseURL)}; expected e.g. ${DEFAULT_BASE_URL}`,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new IndentConfigError('baseURL', `baseURL (or INDENT_API_URL) must be http(s), got ${url.protocol}`)
  }
  return baseURL
}

/**
 * The OpenIndent API client, wire- and API-compatible with Indent's `@indent/api`.
 *
 * @example
 * ```ts
 * import { IndentAPI } from '@openindent/api'
 *
 * // Reads INDENT_API_TOKEN, INDENT_SPACE and INDENT_API_URL from the environment.
 * const client = new IndentAPI()
 * await client.resource.bulkUpdate({
 *   resources: [{ kind: 'customer', id: 'cus_123', displayName: 'Acme Corp', labels: { plan: 'enterprise' } }],
 * })
 * ```
 */
export class IndentAPI extends APIClient {
  /** Resources of the space: list, get, create, update, delete, bulk upload and delete. */
  readonly resource: ResourceAPI
  /** Petitions (access requests): create, review, wait for a decision, and the approval check. */
  readonly petition: PetitionAPI

  constructor(options: ClientOptions = {}) {
    if (!options.dangerouslyAllowBrowser && isBrowserLike()) {
      throw new IndentError(
        'IndentAPI refuses to run in a browser, where the API token would be exposed to every visitor. ' +
          'Call OpenIndent from your server, or pass `dangerouslyAllowBrowser: true` if the token is meant to be seen.',
      )
    }
    refuseUnknownOptions(options)
    const apiToken = options.apiToken ?? readEnv('INDENT_API_TOKEN')
    if (!apiToken) {
      throw new IndentConfigError(
        'apiToken',
        'Missing API token: pass `apiToken` to `new IndentAPI()` or set INDENT_API_TOKEN ' +
          '(on the OpenIndent host: `openindent token create --space NAME --service-account NAME`).',
      )
    }
    super({
      apiToken,
      spaceName: options.spaceName === undefined ? (readEnv('INDENT_SPACE') ?? null) : options.spaceName,
      baseURL: checkBaseURL(options.baseURL ?? readEnv('INDENT_API_URL') ?? DEFAULT_BASE_URL),
      timeout: options.timeout ?? DEFAULT_TIMEOUT,
      maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
      fetch: options.fetch ?? defaultFetch(),
      defaultHeaders: options.defaultHeaders ?? {},
      defaultQuery: options.defaultQuery ?? {},
    })
    this.resource = new ResourceAPI(this)
    this.petition = new PetitionAPI(this)
  }

  static IndentError = IndentError
  static IndentConfigError = IndentConfigError
  static APIError = APIError
  static APIConnectionError = APIConnectionError
  static APIConnectionTimeoutError = APIConnectionTimeoutError
  static APIUserAbortError = APIUserAbortError
  static BadRequestError = BadRequestError
  static AuthenticationError = AuthenticationError
  static PermissionDeniedError = PermissionDeniedError
  static NotFoundError = NotFoundError
  static MethodNotAllowedError = MethodNotAllowedError
  static ConflictError = ConflictError
  static PayloadTooLargeError = PayloadTooLargeError
  static UnsupportedMediaTypeError = UnsupportedMediaTypeError
  static RateLimitError = RateLimitError
  static InternalServerError = InternalServerError
}

function defaultFetch(): typeof fetch {
  if (typeof globalThis.fetch !== 'function') {
    throw new IndentError(
      'No global fetch in this runtime (Node 18+ has one); pass `fetch` in the client options.',
    )
  }
  return globalThis.fetch
}

function isBrowserLike(): boolean {
  const scope = globalThis as { window?: { document?: unknown } }
  return typeof scope.window !== 'undefined' && typeof scope.window.document !== 'undefined'
}
