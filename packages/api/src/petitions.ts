import type {
  CheckApprovalRequest,
  CheckApprovalResponse,
  LABELS as ContractLABELS,
  CreateClaimRequest,
  Event,
  ListPetitionsQuery,
  Petition,
  PetitionResource,
} from '@openindent/contract'
import type { ProtoDuration } from '@openindent/contract/duration'
import type { APIClient, RequestOptions } from './client.js'
import type { DecisionCache } from './decision-cache.js'
import { toGoDuration } from './duration.js'
import { IndentError } from './errors.js'
import { pathSegment, spacePath } from './paths.js'
import type { SpaceParam } from './resources.js'
import { defaultPetitioners } from './token.js'
import { isWaitSeconds, LONG_POLL_MARGIN_MS, MAX_WAIT_SECONDS } from './wait.js'

// Mirrored rather than imported so the SDK does not load the contract's zod schemas at run time; the
// `typeof` annotation makes the build fail if the contract's label keys change.
const LABELS: typeof ContractLABELS = {
  duration: 'indent.com/time/duration',
  expires: 'indent.com/time/expires',
  indefinite: 'indent.com/time/indefinite',
  petition: 'indent.com/petition',
  appConfig: 'indent.com/app/config/id',
}

/**
 * Default milliseconds {@link PetitionAPI.waitFor} waits for a decision.
 *
 * @example
 * ```ts
 * await client.petition.waitFor({ petitionName, timeout: 2 * DEFAULT_WAIT_FOR_TIMEOUT })
 * ```
 */
export const DEFAULT_WAIT_FOR_TIMEOUT = 60_000

/**
 * Filters and paging for {@link PetitionAPI.list}. `petitioner` is an id or email; `resource` is
 * `kind/id` or a resource name; `ascending` orders oldest first.
 *
 * @example
 * ```ts
 * const params: ListPetitionsParams = { phase: 'open', resource: 'customer/cus_123', pageSize: 50 }
 * ```
 */
export type ListPetitionsParams = Omit<ListPetitionsQuery, 'ascending'> & {
  ascending?: boolean | 'true' | 'false'
} & SpaceParam

/**
 * One page of petitions; pass `nextPageToken` back as `pageToken` for the next one.
 *
 * @example
 * ```ts
 * const { petitions, nextPageToken }: PetitionList = await client.petition.list({ phase: 'open' })
 * ```
 */
export interface PetitionList {
  petitions: Petition[]
  nextPageToken?: string
}

/**
 * Identifies one petition by its server-assigned `name`.
 *
 * @example
 * ```ts
 * const params: PetitionNameParams = { petitionName: 'p-7f3a2c' }
 * ```
 */
export interface PetitionNameParams extends SpaceParam {
  petitionName: string
}

/**
 * A petition as a client creates it. `petitioners` default to the user of a JWT access token and
 * `resources` to one synthetic "Approval" action; see {@link PetitionAPI.create}. `spaceName` picks
 * the space and is not sent in the body.
 *
 * @example
 * ```ts
 * const petition: PetitionInput = {
 *   petitioners: [{ kind: 'user', id: 'u_42', email: 'jane@example.com' }],
 *   resources: [{ kind: 'customer', id: 'cus_123' }],
 *   reason: 'Debugging ticket #812',
 *   defaultDuration: '1h',
 * }
 * ```
 */
export interface PetitionInput {
  petitioners?: PetitionResource[]
  resources?: PetitionResource[]
  reason?: string
  /** Requested duration: a Go duration string (`'1h'`), or `{ seconds, nanos }` as `@indent/types` declares it. */
  defaultDuration?: string | ProtoDuration
  meta?: { labels?: Record<string, string> }
  spaceName?: string
}

/**
 * Per-call options of {@link PetitionAPI.create}.
 *
 * @example
 * ```ts
 * await client.petition.create(petition, { waitForReviewable: true, idempotencyKey: 'ticket-812' })
 * ```
 */
export interface CreatePetitionOptions extends RequestOptions {
  /** Ask the server to answer only once the petition has been routed to its reviewers. */
  waitForReviewable?: boolean
}

/**
 * The change {@link PetitionAPI.update} sends: the server accepts closing a petition.
 *
 * @example
 * ```ts
 * const change: PetitionUpdate = { state: { status: { phase: 'closed' } } }
 * ```
 */
export interface PetitionUpdate {
  state: { status: { phase: 'closed' } }
}

/**
 * A claim (approve, deny or revoke) as {@link PetitionAPI.review} sends it: an Indent audit event.
 *
 * @example
 * ```ts
 * const claim: ClaimInput = {
 *   event: 'access/approve',
 *   reason: 'on call',
 *   meta: { labels: { 'indent.com/time/duration': '3h0m0s' } },
 * }
 * ```
 */
export type ClaimInput = CreateClaimRequest['claim']

/**
 * Arguments of {@link PetitionAPI.approve}. `duration` is a Go duration string (`'3h0m0s'`, `'90m'`)
 * or milliseconds; `indefinite` grants until revoked. Leave both out for the rule's default.
 *
 * @example
 * ```ts
 * const params: ApproveParams = { petitionName: 'p-7f3a2c', duration: '4h', reason: 'incident 52' }
 * ```
 */
export interface ApproveParams extends PetitionNameParams {
  duration?: string | number
  indefinite?: boolean
  reason?: string
}

/**
 * Arguments of {@link PetitionAPI.deny} and {@link PetitionAPI.revoke}.
 *
 * @example
 * ```ts
 * const params: DecisionParams = { petitionName: 'p-7f3a2c', reason: 'not on call' }
 * ```
 */
export interface DecisionParams extends PetitionNameParams {
  reason?: string
}

/**
 * Paging for {@link ClaimAPI.list}.
 *
 * @example
 * ```ts
 * const params: ListClaimsParams = { petitionName: 'p-7f3a2c', pageSize: 20 }
 * ```
 */
export interface ListClaimsParams extends PetitionNameParams {
  pageSize?: number
  pageToken?: string
}

/**
 * One page of a petition's claims.
 *
 * @example
 * ```ts
 * const { claims, nextPageToken }: ClaimList = await client.petition.claims.list({ petitionName })
 * ```
 */
export interface ClaimList {
  claims: Event[]
  nextPageToken?: string
}

/**
 * Identifies one claim of a petition.
 *
 * @example
 * ```ts
 * const params: ClaimNameParams = { petitionName: 'p-7f3a2c', claimName: 'c-91b0' }
 * ```
 */
export interface ClaimNameParams extends PetitionNameParams {
  claimName: string
}

/**
 * Arguments of {@link PetitionAPI.check}: the wire's `CheckApprovalRequest`, except that `duration`
 * may also be milliseconds and `petitioners` default to the user of a JWT access token.
 * `wait` is in seconds (0 to 30).
 *
 * @example
 * ```ts
 * const params: CheckApprovalParams = {
 *   petitioners: [{ kind: 'user', email: 'jane@example.com' }],
 *   resources: [{ kind: 'customer', id: 'cus_123' }],
 *   duration: 60 * 60 * 1000,
 *   wait: 10,
 * }
 * ```
 */
export type CheckApprovalParams = Omit<CheckApprovalRequest, 'petitioners' | 'duration'> & {
  petitioners?: PetitionResource[]
  duration?: string | number
} & SpaceParam

/**
 * Arguments of {@link PetitionAPI.waitFor}; `timeout` is in milliseconds (default 60000).
 *
 * @example
 * ```ts
 * const params: WaitForParams = { petitionName: 'p-7f3a2c', timeout: 120_000 }
 * ```
 */
/**
 * Options of {@link PetitionAPI.check}: the usual request options, and whether the client's decision
 * cache may answer (see {@link DecisionCache}).
 *
 * @example
 * ```ts
 * await client.petition.check({ resources }, { decisionCache: false }) // ask the server, whatever is cached
 * ```
 */
export interface CheckOptions extends RequestOptions {
  /** `false`: ask the server and cache nothing, even with the client's decision cache on. */
  decisionCache?: boolean
}

export interface WaitForParams extends PetitionNameParams {
  timeout?: number
}

/**
 * `client.petition.claims`: the approvals, denials and revocations recorded on a petition.
 *
 * @example
 * ```ts
 * const { claims } = await client.petition.claims.list({ petitionName: 'p-7f3a2c' })
 * ```
 */
export class ClaimAPI {
  readonly #client: APIClient

  constructor(client: APIClient) {
    this.#client = client
  }

  /**
   * Lists one page of a petition's claims, oldest first.
   *
   * @example
   * ```ts
   * const { claims, nextPageToken } = await client.petition.claims.list({ petitionName, pageSize: 20 })
   * ```
   */
  async list(params: ListClaimsParams, options?: RequestOptions): Promise<ClaimList> {
    const space = this.#client.resolveSpace(params.spaceName)
    return this.#client.request<ClaimList>(
      {
        method: 'GET',
        path: `${petitionPath(space, params.petitionName)}/claims`,
        query: { pageSize: params.pageSize, pageToken: params.pageToken },
        headers: { 'Indent-Space': space },
      },
      options,
    )
  }

  /**
   * Fetches one claim by name.
   *
   * @example
   * ```ts
   * const claim = await client.petition.claims.get({ petitionName: 'p-7f3a2c', claimName: 'c-91b0' })
   * ```
   */
  async get(params: ClaimNameParams, options?: RequestOptions): Promise<Event> {
    const space = this.#client.resolveSpace(params.spaceName)
    return this.#client.request<Event>(
      {
        method: 'GET',
        path: `${petitionPath(space, params.petitionName)}/claims/${pathSegment(params.claimName, 'claimName')}`,
        headers: { 'Indent-Space': space },
      },
      options,
    )
  }
}

/**
 * `client.petition`: access requests, their reviews, and the approval check behind the Approval Kit.
 *
 * @example
 * ```ts
 * const client = new IndentAPI()
 * const petition = await client.petition.create({
 *   petitioners: [{ kind: 'user', email: 'jane@example.com' }],
 *   resources: [{ kind: 'customer', id: 'cus_123' }],
 *   reason: 'Debugging ticket #812',
 * })
 * const decided = await client.petition.waitFor({ petitionName: petition.name })
 * ```
 */
export class PetitionAPI {
  /** The claims recorded on a petition. */
  readonly claims: ClaimAPI
  readonly #client: APIClient
  readonly #decisions: DecisionCache | undefined

  constructor(client: APIClient, decisions?: DecisionCache) {
    this.#client = client
    this.#decisions = decisions
    this.claims = new ClaimAPI(client)
  }

  /**
   * Lists one page of petitions, newest first unless `ascending`, optionally filtered by phase,
   * petitioner, resource and a Kubernetes-style `labelSelector`.
   *
   * @example
   * ```ts
   * const { petitions } = await client.petition.list({ phase: 'open', petitioner: 'jane@example.com' })
   * ```
   */
  async list(params: ListPetitionsParams = {}, options?: RequestOptions): Promise<PetitionList> {
    const { spaceName, phase, petitioner, resource, labelSelector, pageSize, pageToken, ascending } = params
    const space = this.#client.resolveSpace(spaceName)
    return this.#client.request<PetitionList>(
      {
        method: 'GET',
        path: `${spacePath(space)}/petitions`,
        query: { phase, petitioner, resource, labelSelector, pageSize, pageToken, ascending },
        headers: { 'Indent-Space': space },
      },
      options,
    )
  }

  /**
   * Iterates over every matching petition, fetching pages as needed.
   *
   * @example
   * ```ts
   * for await (const petition of client.petition.listAll({ phase: 'granted' })) {
   *   console.log(petition.name, petition.petitioners[0]?.email)
   * }
   * ```
   */
  async *listAll(
    params: ListPetitionsParams = {},
    options?: RequestOptions,
  ): AsyncGenerator<Petition, void, undefined> {
    let pageToken = params.pageToken
    do {
      const page = await this.list({ ...params, pageToken }, options)
      yield* page.petitions
      pageToken = page.nextPageToken || undefined
    } while (pageToken)
  }

  /**
   * Fetches one petition by name.
   *
   * @example
   * ```ts
   * const petition = await client.petition.get({ petitionName: 'p-7f3a2c' })
   * console.log(petition.state.status.phase)
   * ```
   */
  async get(params: PetitionNameParams, options?: RequestOptions): Promise<Petition> {
    const space = this.#client.resolveSpace(params.spaceName)
    return this.#client.request<Petition>(
      { method: 'GET', path: petitionPath(space, params.petitionName), headers: { 'Indent-Space': space } },
      options,
    )
  }

  /**
   * Creates a petition, which the server evaluates at once: a policy may grant or close it, otherwise
   * it is routed to reviewers and stays `open`. An identical open petition is returned instead of a
   * new one.
   *
   * Defaults, as Indent's client: without `petitioners`, the petitioner is the user of the API token
   * (`{ kind: 'user', email: <sub> }`; only user access tokens, which are JWTs, name one, so a
   * service-account token needs explicit `petitioners`); without `resources`, one synthetic resource
   * `{ kind: 'action', id: 'approval+<random>', displayName: 'Approval' }` stands for a generic
   * approval. The label `indent.com/app/config/id: space:<space>` is added unless given.
   *
   * @example
   * ```ts
   * const petition = await client.petition.create(
   *   { resources: [{ kind: 'customer', id: 'cus_123' }], reason: 'Debugging ticket #812' },
   *   { waitForReviewable: true },
   * )
   * ```
   */
  async create(petition: PetitionInput, options: CreatePetitionOptions = {}): Promise<Petition> {
    const { waitForReviewable, ...requestOptions } = options
    const { spaceName, ...fields } = petition
    const space = this.#client.resolveSpace(spaceName)
    const body = {
      petition: {
        ...fields,
        petitioners: fields.petitioners ?? this.#tokenPetitioners('create'),
        resources: fields.resources ?? [syntheticResource()],
        meta: {
          ...fields.meta,
          labels: { [LABELS.appConfig]: `space:${space}`, ...fields.meta?.labels },
        },
      },
      ...(waitForReviewable === undefined ? {} : { waitForReviewable }),
    }
    return this.#client.request<Petition>(
      { method: 'POST', path: `${spacePath(space)}/petitions`, body, headers: { 'Indent-Space': space } },
      requestOptions,
    )
  }

  /**
   * Changes a petition; the server accepts closing it (see {@link PetitionAPI.close}).
   *
   * @example
   * ```ts
   * await client.petition.update({ petitionName: 'p-7f3a2c', petition: { state: { status: { phase: 'closed' } } } })
   * ```
   */
  async update(
    params: PetitionNameParams & { petition: PetitionUpdate },
    options?: RequestOptions,
  ): Promise<Petition> {
    const space = this.#client.resolveSpace(params.spaceName)
    return this.#client.request<Petition>(
      {
        method: 'PUT',
        path: petitionPath(space, params.petitionName),
        body: { petition: params.petition },
        headers: { 'Indent-Space': space },
      },
      options,
    )
  }

  /**
   * Closes a petition: cancels it while open, or ends the access it granted.
   *
   * @example
   * ```ts
   * const closed = await client.petition.close({ petitionName: 'p-7f3a2c' })
   * ```
   */
  async close(params: PetitionNameParams, options?: RequestOptions): Promise<Petition> {
    return this.update({ ...params, petition: { state: { status: { phase: 'closed' } } } }, options)
  }

  /**
   * Deletes a petition and resolves with it as it was.
   *
   * @example
   * ```ts
   * const deleted = await client.petition.delete({ petitionName: 'p-7f3a2c' })
   * ```
   */
  async delete(params: PetitionNameParams, options?: RequestOptions): Promise<Petition> {
    const space = this.#client.resolveSpace(params.spaceName)
    return this.#client.request<Petition>(
      {
        method: 'DELETE',
        path: petitionPath(space, params.petitionName),
        headers: { 'Indent-Space': space },
      },
      options,
    )
  }

  /**
   * Records a claim on a petition (`access/approve`, `access/deny` or `access/revoke`) and resolves
   * with the stored event. {@link PetitionAPI.approve}, {@link PetitionAPI.deny} and
   * {@link PetitionAPI.revoke} build the claim for you.
   *
   * @example
   * ```ts
   * await client.petition.review({
   *   petitionName: 'p-7f3a2c',
   *   claim: { event: 'access/approve', meta: { labels: { 'indent.com/time/duration': '3h0m0s' } } },
   * })
   * ```
   */
  async review(params: PetitionNameParams & { claim: ClaimInput }, options?: RequestOptions): Promise<Event> {
    const space = this.#client.resolveSpace(params.spaceName)
    return this.#client.request<Event>(
      {
        method: 'POST',
        path: `${petitionPath(space, params.petitionName)}/claims`,
        body: { claim: params.claim },
        headers: { 'Indent-Space': space },
      },
      options,
    )
  }

  /**
   * Approves a petition. `duration` (a Go duration string or milliseconds) travels as the label
   * `indent.com/time/duration`; `indefinite: true` as `indent.com/time/indefinite: 'true'`. With
   * neither, the approval rule's default duration applies.
   *
   * @example
   * ```ts
   * await client.petition.approve({ petitionName: 'p-7f3a2c', duration: '3h', reason: 'incident 52' })
   * await client.petition.approve({ petitionName: 'p-8e1d0b', duration: 30 * 60 * 1000 }) // '30m0s'
   * ```
   */
  async approve(params: ApproveParams, options?: RequestOptions): Promise<Event> {
    const { duration, indefinite, reason, ...target } = params
    if (duration !== undefined && indefinite) {
      throw new IndentError('approve takes either `duration` or `indefinite: true`, not both')
    }
    const labels: Record<string, string> = {}
    if (duration !== undefined) labels[LABELS.duration] = toGoDuration(duration, 'duration')
    if (indefinite) labels[LABELS.indefinite] = 'true'
    const claim: ClaimInput = {
      event: 'access/approve',
      ...(reason === undefined ? {} : { reason }),
      ...(Object.keys(labels).length === 0 ? {} : { meta: { labels } }),
    }
    return this.review({ ...target, claim }, options)
  }

  /**
   * Denies an open petition, which closes it.
   *
   * @example
   * ```ts
   * await client.petition.deny({ petitionName: 'p-7f3a2c', reason: 'not on call' })
   * ```
   */
  async deny(params: DecisionParams, options?: RequestOptions): Promise<Event> {
    const { reason, ...target } = params
    return this.review({ ...target, claim: decision('access/deny', reason) }, options)
  }

  /**
   * Revokes the access a petition granted.
   *
   * @example
   * ```ts
   * await client.petition.revoke({ petitionName: 'p-7f3a2c', reason: 'ticket closed' })
   * ```
   */
  async revoke(params: DecisionParams, options?: RequestOptions): Promise<Event> {
    const { reason, ...target } = params
    return this.review({ ...target, claim: decision('access/revoke', reason) }, options)
  }

  /**
   * The approval check behind the Approval Kit: answers `granted` (an active grant covers every
   * petitioner × resource), `waiting` (an open petition exists or was just created) or `denied` (the
   * latest petition for the same request was denied recently).
   *
   * With `wait` (seconds, 0 to 30) the server holds the request until a decision lands or the wait
   * ends; the decision is pushed to the waiting request, not polled. So that the wait cannot be cut
   * short by the client, this call's HTTP timeout is at least `wait` + 10 s (30 + 10 s when `wait` is
   * left to the server), whatever `timeout` says. `petitioners` default as in
   * {@link PetitionAPI.create}; `duration` may be a Go duration string or milliseconds.
   *
   * @example
   * ```ts
   * const { status, petition } = await client.petition.check({
   *   petitioners: [{ kind: 'user', email: 'jane@example.com' }],
   *   resources: [{ kind: 'customer', id: 'cus_123' }],
   *   wait: 10,
   * })
   * if (status === 'granted') console.log('access until', petition.state.grants?.[0]?.expireTime)
   * ```
   */
  async check(params: CheckApprovalParams, options: CheckOptions = {}): Promise<CheckApprovalResponse> {
    const { spaceName, petitioners, duration, wait, ...rest } = params
    if (wait !== undefined) validateWait(wait)
    const space = this.#client.resolveSpace(spaceName)
    const body: CheckApprovalRequest = {
      ...rest,
      petitioners: petitioners ?? this.#tokenPetitioners('check'),
      ...(duration === undefined ? {} : { duration: toGoDuration(duration, 'duration') }),
      ...(wait === undefined ? {} : { wait }),
    }
    const { decisionCache, ...requestOptions } = options
    const cache = decisionCache === false || !this.#decisions?.enabled ? undefined : this.#decisions
    if (!cache) return this.#askCheck(space, body, wait, requestOptions)
    const cached = cache.lookup(space, body.petitioners, body.resources)
    if (cached) return cached
    const generation = cache.generation
    const epoch = cache.begin(space)
    const answer = await this.#askCheck(space, body, wait, requestOptions)
    cache.store(space, body.petitioners, body.resources, answer, epoch, generation)
    return answer
  }

  #askCheck(
    space: string,
    body: CheckApprovalRequest,
    wait: number | undefined,
    options: RequestOptions,
  ): Promise<CheckApprovalResponse> {
    return this.#client.request<CheckApprovalResponse>(
      {
        method: 'POST',
        path: `${spacePath(space)}/approvals:check`,
        body,
        headers: { 'Indent-Space': space },
      },
      { ...options, timeout: this.#longPollTimeout(wait ?? MAX_WAIT_SECONDS, options.timeout) },
    )
  }

  /**
   * Waits until a petition leaves `open` (granted or closed) or `timeout` milliseconds (default 60000)
   * pass, and resolves with the petition as it then is (still `open` after a timeout).
   *
   * This is not a busy loop: each call is a long-poll, `POST …/petitions/{name}:wait` with
   * `{ wait: seconds }` (at most 30), that the server holds until the petition changes phase or the
   * wait ends. A new call follows only when one ends with the petition still open and time remains,
   * so a decision arrives as soon as it is taken and the client never sleeps between calls. The wait
   * is asked in whole seconds, so the total may exceed `timeout` by under a second.
   *
   * @example
   * ```ts
   * const petition = await client.petition.create({ resources: [{ kind: 'customer', id: 'cus_123' }] })
   * const decided = await client.petition.waitFor({ petitionName: petition.name, timeout: 120_000 })
   * if (decided.state.status.phase === 'granted') console.log('approved')
   * ```
   */
  async waitFor(params: WaitForParams, options: RequestOptions = {}): Promise<Petition> {
    const timeout = params.timeout ?? DEFAULT_WAIT_FOR_TIMEOUT
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0) {
      throw new IndentError(`waitFor needs a timeout of zero or more milliseconds, got ${timeout}`)
    }
    const space = this.#client.resolveSpace(params.spaceName)
    const path = `${petitionPath(space, params.petitionName)}:wait`
    const deadline = Date.now() + timeout
    // A server that answers every wait at once would otherwise turn this into a hot loop; with a
    // server that holds each call, this bound is never reached before the deadline.
    const maxCalls = Math.ceil(timeout / 1000) + 1
    for (let calls = 1; ; calls++) {
      const wait = Math.min(MAX_WAIT_SECONDS, Math.max(0, Math.ceil((deadline - Date.now()) / 1000)))
      const petition = await this.#client.request<Petition>(
        { method: 'POST', path, body: { wait }, headers: { 'Indent-Space': space } },
        // A caller's idempotency key is not reused: a replayed first answer would end every later wait.
        { ...options, idempotencyKey: undefined, timeout: this.#longPollTimeout(wait, options.timeout) },
      )
      if (petition.state?.status?.phase !== 'open') return petition
      if (Date.now() >= deadline || calls >= maxCalls) return petition
    }
  }

  /** The timeout of a call the server may hold for `waitSeconds`: the usual one, but never too short. */
  #longPollTimeout(waitSeconds: number, timeout: number | undefined): number {
    return Math.max(timeout ?? this.#client.timeout, waitSeconds * 1000 + LONG_POLL_MARGIN_MS)
  }

  #tokenPetitioners(call: string): PetitionResource[] {
    const petitioners = defaultPetitioners(this.#client.apiToken)
    if (petitioners === undefined) {
      throw new IndentError(
        `${call} needs \`petitioners\`: only a user access token (a JWT) names a default petitioner, ` +
          'and this API token is not one (service-account tokens act for others, so name them).',
      )
    }
    return petitioners
  }
}

function petitionPath(space: string, petitionName: string): string {
  return `${spacePath(space)}/petitions/${pathSegment(petitionName, 'petitionName')}`
}

function decision(event: 'access/deny' | 'access/revoke', reason: string | undefined): ClaimInput {
  return reason === undefined ? { event } : { event, reason }
}

function syntheticResource(): PetitionResource {
  const random =
    typeof globalThis.crypto?.randomUUID === 'function'
      ? globalThis.crypto.randomUUID()
      : Math.random().toString(36).slice(2)
  return { kind: 'action', id: `approval+${random}`, displayName: 'Approval' }
}

function validateWait(wait: number): void {
  if (!isWaitSeconds(wait)) {
    throw new IndentError(`wait must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}, got ${wait}`)
  }
}
