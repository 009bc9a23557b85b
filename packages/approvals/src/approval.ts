import {
  type CheckApprovalResponse,
  defaultPetitioners,
  IndentAPI,
  isPositiveDuration,
  isWaitSeconds,
  MAX_WAIT_SECONDS,
  type Petition,
  type PetitionResource,
} from '@openindent/api'
import {
  ApprovalDeniedError,
  ApprovalError,
  ApprovalInvalidError,
  ApprovalWaitingError,
  toApprovalError,
} from './errors.js'

/**
 * Seconds {@link approval} waits for a decision when `wait` is not given, as Indent's kit: most
 * approvals land well within it.
 *
 * @example
 * ```ts
 * await approval({ resources, wait: DEFAULT_WAIT_SECONDS * 2 })
 * ```
 */
export const DEFAULT_WAIT_SECONDS = 10

/**
 * What {@link approval} asks for.
 *
 * @example
 * ```ts
 * const request: ApprovalRequest = {
 *   petitioners: [{ kind: 'user', id: 'u_42', email: 'jane@example.com' }],
 *   resources: [{ kind: 'customer', id: 'cus_123' }],
 *   reason: 'Debugging ticket #812',
 *   duration: '1h',
 * }
 * ```
 */
export interface ApprovalRequest {
  /**
   * Who needs access. Defaults to the user of a user access token (a JWT, whose `sub` is the email);
   * a service-account token must name them, and needs the `petitionAdmin` role to do so.
   */
  petitioners?: PetitionResource[]
  /** What access is needed to, as uploaded with `client.resource.bulkUpdate`. At least one. */
  resources: PetitionResource[]
  /** Shown to reviewers. */
  reason?: string
  /** Requested duration: a Go duration string (`'1h'`, `'30m'`) or milliseconds. */
  duration?: string | number
  /** Seconds to wait for a decision, 0 (answer at once) to 30; default 10. */
  wait?: number
}

/**
 * How {@link approval} reaches OpenIndent. Without `client`, `apiToken`, `spaceName` or `baseURL`, it
 * uses one `IndentAPI` per process, created on first use from `INDENT_API_TOKEN`, `INDENT_SPACE` and
 * `INDENT_API_URL`. With any of those three, a client is made for the call (unset ones still come
 * from the environment). `client` wins over all three.
 *
 * @example
 * ```ts
 * const client = new IndentAPI({ spaceName: 'acme' })
 * await approval({ resources }, { client, timeout: 30_000 })
 * ```
 */
export interface ApprovalOptions {
  /** An existing client to use. */
  client?: IndentAPI
  /** Bearer token; defaults to `INDENT_API_TOKEN`. */
  apiToken?: string
  /** Space to request in; defaults to `INDENT_SPACE`. */
  spaceName?: string
  /** API root; defaults to `INDENT_API_URL`, else the SDK's default. */
  baseURL?: string
  /** Milliseconds per HTTP attempt; never shorter than the wait plus 10 s. */
  timeout?: number
  /** Retries of transient failures after the first attempt; default 2. */
  maxRetries?: number
  /** Aborts the call; it then rejects with an {@link ApprovalError} whose cause is the abort. */
  signal?: AbortSignal
  /**
   * `false`: ask OpenIndent even when the client's decision cache holds a live grant for this request
   * (see `DecisionCache` in `@openindent/api`). By default a repeated approval of a live grant is
   * answered from memory, kept true by the server's stream of revocations.
   */
  decisionCache?: boolean
}

let defaultClient: IndentAPI | undefined
const clients = new Map<string, IndentAPI>()

/**
 * Gates an action on an access approval: resolves with the petition when every petitioner has an
 * active grant to every resource, and throws otherwise. One call to OpenIndent's approval check: it
 * finds a covering grant, or the open petition for the same request, or creates one and routes it to
 * reviewers, then holds the request for up to `wait` seconds (default 10) so that a decision taken
 * meanwhile is answered at once (pushed by the server, not polled).
 *
 * Throws {@link ApprovalWaitingError} while the petition is pending (once granted, the next call
 * resolves), {@link ApprovalDeniedError} when a reviewer or policy denied it, and for failures
 * {@link ApprovalUnauthorizedError}, {@link ApprovalInvalidError}, {@link ApprovalUnavailableError}
 * or a plain {@link ApprovalError}; {@link getErrorKind} tells them apart.
 *
 * @example
 * ```ts
 * import { approval, getErrorKind } from '@openindent/approvals'
 *
 * async function requestCustomerAccess(ctx, customerId) {
 *   try {
 *     const user = await getCurrentUser(ctx)
 *     await approval({
 *       petitioners: [{ kind: 'user', id: user.id, email: user.email }],
 *       resources: [{ kind: 'customer', id: customerId }],
 *     })
 *     return { ok: true }
 *   } catch (err) {
 *     switch (getErrorKind(err)) {
 *       case 'waiting':
 *         return { ok: false, status: 'waiting' }
 *       case 'denied':
 *         return { ok: false, status: 'denied' }
 *     }
 *     return { ok: false, status: 'unknown' }
 *   }
 * }
 * ```
 */
export async function approval(request: ApprovalRequest, options: ApprovalOptions = {}): Promise<Petition> {
  const { resources, reason, duration } = validate(request)
  const wait = request.wait ?? DEFAULT_WAIT_SECONDS
  let response: CheckApprovalResponse
  try {
    const client = clientFor(options)
    const petitioners = request.petitioners ?? petitionersOfToken(client)
    response = await client.petition.check(
      {
        petitioners,
        resources,
        wait,
        ...(reason === undefined ? {} : { reason }),
        ...(duration === undefined ? {} : { duration }),
      },
      {
        timeout: options.timeout,
        maxRetries: options.maxRetries,
        signal: options.signal,
        ...(options.decisionCache === false ? { decisionCache: false } : {}),
      },
    )
  } catch (err) {
    throw toApprovalError(err)
  }
  switch (response.status) {
    case 'granted':
      return response.petition
    case 'waiting':
      throw new ApprovalWaitingError(response.petition)
    case 'denied':
      throw new ApprovalDeniedError(response.petition, response.reason)
    default:
      throw new ApprovalError(`Approval check answered an unknown status: ${JSON.stringify(response.status)}`)
  }
}

function clientFor(options: ApprovalOptions): IndentAPI {
  if (options.client) return options.client
  const { apiToken, spaceName, baseURL } = options
  if (apiToken !== undefined || spaceName !== undefined || baseURL !== undefined) {
    // One client per settings, not per call: each keeps a decision cache and its stream.
    const key = JSON.stringify([apiToken, spaceName, baseURL])
    let client = clients.get(key)
    if (!client) {
      client = new IndentAPI({ apiToken, spaceName, baseURL })
      clients.set(key, client)
    }
    return client
  }
  // Created on first use, so the environment is read when the first approval is asked for, not on
  // import; a failed creation (no token yet) is not remembered.
  defaultClient ??= new IndentAPI()
  return defaultClient
}

function petitionersOfToken(client: IndentAPI): PetitionResource[] {
  const petitioners = defaultPetitioners(client.apiToken)
  if (petitioners === undefined) {
    throw new ApprovalInvalidError(
      'approval() needs `petitioners`: the API token is not a user access token, so it names no one ' +
        'to request for (a service-account token must name the petitioners).',
    )
  }
  return petitioners
}

/** Checks what can be checked without a round trip, so a bad call fails fast as `invalid`. */
function validate(request: ApprovalRequest): ApprovalRequest {
  if (typeof request !== 'object' || request === null) {
    throw new ApprovalInvalidError('approval() needs a request object with `resources`')
  }
  const { petitioners, resources, reason, duration, wait } = request
  if (!Array.isArray(resources) || resources.length === 0) {
    throw new ApprovalInvalidError('approval() needs `resources`: a non-empty array of { kind, id }')
  }
  if (petitioners !== undefined && (!Array.isArray(petitioners) || petitioners.length === 0)) {
    throw new ApprovalInvalidError('`petitioners` must be a non-empty array when given')
  }
  if (reason !== undefined && typeof reason !== 'string') {
    throw new ApprovalInvalidError('`reason` must be a string when given')
  }
  if (duration !== undefined && !isPositiveDuration(duration)) {
    throw new ApprovalInvalidError(
      `\`duration\` must be a positive Go duration string (such as "1h") or milliseconds, got ${JSON.stringify(duration)}`,
    )
  }
  if (wait !== undefined && !isWaitSeconds(wait)) {
    throw new ApprovalInvalidError(`\`wait\` must be from 0 to ${MAX_WAIT_SECONDS} seconds, got ${wait}`)
  }
  return request
}
