import type {
  BULK_DELETE_MAX,
  BULK_UPDATE_MAX,
  BulkUpdateSummary,
  ListResourcesQuery,
  Resource,
  ResourceInput,
} from '@openindent/contract'
import { type BulkOptions, sendInChunks } from './chunks.js'
import type { APIClient, RequestOptions } from './client.js'
import { IndentError } from './errors.js'
import { pathSegment, spacePath } from './paths.js'

// Mirrored rather than imported so the SDK does not load the contract's zod schemas at run time; the
// `typeof` annotation makes the build fail if the contract's limit changes.
const MAX_UPDATE_CHUNK: typeof BULK_UPDATE_MAX = 100_000
const MAX_DELETE_CHUNK: typeof BULK_DELETE_MAX = 5000

/**
 * Names the space a call runs in; defaults to the client's `spaceName`.
 *
 * @example
 * ```ts
 * await client.resource.list({ spaceName: 'staging' })
 * ```
 */
export interface SpaceParam {
  spaceName?: string
}

/**
 * Filters and paging for {@link ResourceAPI.list}.
 *
 * @example
 * ```ts
 * const params: ListResourcesParams = { kind: 'customer', labelSelector: 'plan=pro', pageSize: 100 }
 * ```
 */
export type ListResourcesParams = ListResourcesQuery & SpaceParam

/**
 * One page of resources; pass `nextPageToken` back as `pageToken` for the next one.
 *
 * @example
 * ```ts
 * const { resources, nextPageToken }: ResourceList = await client.resource.list({ pageSize: 50 })
 * ```
 */
export interface ResourceList {
  resources: Resource[]
  nextPageToken?: string
}

/**
 * Identifies one stored resource by its server-assigned `name`.
 *
 * @example
 * ```ts
 * const params: ResourceNameParams = { resourceName: 'e843ad66' }
 * ```
 */
export interface ResourceNameParams extends SpaceParam {
  resourceName: string
}

/**
 * Options of the chunked bulk calls: per-request options plus chunking and progress.
 *
 * @example
 * ```ts
 * const options: BulkRequestOptions = { chunkSize: 1000, concurrency: 2, maxRetries: 5, onProgress: console.log }
 * ```
 */
export type BulkRequestOptions = RequestOptions & BulkOptions

/**
 * {@link ResourceAPI.bulkUpdate}'s options; `returnResources: false` asks for counts instead of the
 * stored resources.
 *
 * @example
 * ```ts
 * const options: BulkUpdateOptions = { returnResources: false, onProgress: console.log }
 * ```
 */
export type BulkUpdateOptions = BulkRequestOptions & {
  /**
   * False: the server answers each chunk with counts (`Prefer: return=minimal`) instead of echoing
   * every resource, which saves both sides the work of writing and reading the copies; the call
   * resolves with {@link BulkUpdateCounts}. Default true.
   */
  returnResources?: boolean
}

/**
 * What an upload did, from {@link ResourceAPI.bulkUpdate} with `returnResources: false`. `count` is
 * always there; the rest come from OpenIndent (Indent's API answers with the resources, and this SDK
 * counts them, but does not say which were new).
 *
 * @example
 * ```ts
 * const { count, created, updated, unchanged }: BulkUpdateCounts = await client.resource.bulkUpdate(
 *   { resources },
 *   { returnResources: false },
 * )
 * ```
 */
export interface BulkUpdateCounts {
  /** Resources sent, each counted once (a `(kind, id)` sent twice counts once). */
  count: number
  /** New: stored for the first time. */
  created?: number
  /** Stored before, with different content. */
  updated?: number
  /** Stored before exactly as sent: only their update time moved. */
  unchanged?: number
}

/** One chunk's answer: the stored resources, or with `Prefer: return=minimal`, counts. */
type BulkUpdatePage =
  | { resources: Resource[]; unchanged?: number; count?: undefined }
  | (BulkUpdateSummary & { resources?: undefined })

/**
 * `client.resource`: the space's resources (customers, users, groups, …) in the Indent Resource Format.
 *
 * @example
 * ```ts
 * const client = new IndentAPI()
 * const customer = await client.resource.create({ resource: { kind: 'customer', id: 'cus_123' } })
 * ```
 */
export class ResourceAPI {
  readonly #client: APIClient

  constructor(client: APIClient) {
    this.#client = client
  }

  /**
   * Lists one page of resources, optionally filtered by `kind` and a Kubernetes-style `labelSelector`.
   *
   * @example
   * ```ts
   * const { resources, nextPageToken } = await client.resource.list({ kind: 'customer', labelSelector: 'plan=pro' })
   * ```
   */
  async list(params: ListResourcesParams = {}, options?: RequestOptions): Promise<ResourceList> {
    const { spaceName, kind, labelSelector, pageSize, pageToken } = params
    const space = this.#client.resolveSpace(spaceName)
    return this.#client.request<ResourceList>(
      {
        method: 'GET',
        path: `${spacePath(space)}/resources`,
        query: { kind, labelSelector, pageSize, pageToken },
        headers: { 'Indent-Space': space },
      },
      options,
    )
  }

  /**
   * Iterates over every matching resource, fetching pages as needed.
   *
   * @example
   * ```ts
   * for await (const resource of client.resource.listAll({ kind: 'customer' })) {
   *   console.log(resource.id, resource.labels.plan)
   * }
   * ```
   */
  async *listAll(
    params: ListResourcesParams = {},
    options?: RequestOptions,
  ): AsyncGenerator<Resource, void, undefined> {
    let pageToken = params.pageToken
    do {
      const page = await this.list({ ...params, pageToken }, options)
      yield* page.resources
      pageToken = page.nextPageToken || undefined
    } while (pageToken)
  }

  /**
   * Fetches one resource by name.
   *
   * @example
   * ```ts
   * const resource = await client.resource.get({ resourceName: 'e843ad66' })
   * ```
   */
  async get(params: ResourceNameParams, options?: RequestOptions): Promise<Resource> {
    const space = this.#client.resolveSpace(params.spaceName)
    return this.#client.request<Resource>(
      { method: 'GET', path: resourcePath(space, params.resourceName), headers: { 'Indent-Space': space } },
      options,
    )
  }

  /**
   * Creates a resource; its identity within the space is `(kind, id)`.
   *
   * @example
   * ```ts
   * const resource = await client.resource.create({
   *   resource: { kind: 'customer', id: 'cus_123', displayName: 'Acme Corp', labels: { plan: 'enterprise' } },
   * })
   * ```
   */
  async create(
    params: { resource: ResourceInput } & SpaceParam,
    options?: RequestOptions,
  ): Promise<Resource> {
    const space = this.#client.resolveSpace(params.spaceName)
    return this.#client.request<Resource>(
      {
        method: 'POST',
        path: `${spacePath(space)}/resources`,
        body: { resource: params.resource },
        headers: { 'Indent-Space': space },
      },
      options,
    )
  }

  /**
   * Replaces the resource with the given name.
   *
   * @example
   * ```ts
   * await client.resource.update({
   *   resourceName: 'e843ad66',
   *   resource: { kind: 'customer', id: 'cus_123', labels: { plan: 'pro' } },
   * })
   * ```
   */
  async update(
    params: ResourceNameParams & { resource: ResourceInput },
    options?: RequestOptions,
  ): Promise<Resource> {
    const space = this.#client.resolveSpace(params.spaceName)
    return this.#client.request<Resource>(
      {
        method: 'PUT',
        path: resourcePath(space, params.resourceName),
        body: { resource: params.resource },
        headers: { 'Indent-Space': space },
      },
      options,
    )
  }

  /**
   * Deletes the resource with the given name and resolves with it as it was.
   *
   * @example
   * ```ts
   * const deleted = await client.resource.delete({ resourceName: 'e843ad66' })
   * ```
   */
  async delete(params: ResourceNameParams, options?: RequestOptions): Promise<Resource> {
    const space = this.#client.resolveSpace(params.spaceName)
    return this.#client.request<Resource>(
      {
        method: 'DELETE',
        path: resourcePath(space, params.resourceName),
        headers: { 'Indent-Space': space },
      },
      options,
    )
  }

  /**
   * Creates or updates any number of resources, matched by `(kind, id)`, and resolves with the stored
   * resources in input order and, from OpenIndent, `unchanged`: how many were already stored as sent.
   * With `returnResources: false` it resolves with counts instead ({@link BulkUpdateCounts}): the
   * server then answers each chunk in a few bytes rather than echoing it, which a sync job that
   * discards the echo should prefer.
   *
   * The upload is split into chunks of `chunkSize` (default 1000, at most 100,000), `concurrency` of them
   * in flight at once (default 4). Each chunk is atomic on the server; the whole upload is not. If a
   * chunk still fails after its retries, no new chunk starts and the call rejects with that chunk's
   * error, whose `uploaded` property counts the leading resources the server confirmed: resume with
   * `resources.slice(err.uploaded)`. Re-sending is safe because the upsert is idempotent. With an
   * `idempotencyKey`, chunk `i` is sent with the key `<idempotencyKey>:<i>`.
   *
   * @example
   * ```ts
   * const customers = await db.customers.list()
   * await client.resource.bulkUpdate(
   *   {
   *     resources: customers.map((c) => ({ kind: 'customer', id: c.id, displayName: c.name, labels: { plan: c.plan } })),
   *   },
   *   { onProgress: ({ done, total }) => console.log(`${done}/${total}`) },
   * )
   * const { created, updated, unchanged } = await client.resource.bulkUpdate({ resources }, { returnResources: false })
   * ```
   */
  async bulkUpdate(
    params: { resources: readonly ResourceInput[] } & SpaceParam,
    options: BulkUpdateOptions & { returnResources: false },
  ): Promise<BulkUpdateCounts>
  async bulkUpdate(
    params: { resources: readonly ResourceInput[] } & SpaceParam,
    options?: BulkUpdateOptions & { returnResources?: true },
  ): Promise<{ resources: Resource[]; unchanged?: number }>
  async bulkUpdate(
    params: { resources: readonly ResourceInput[] } & SpaceParam,
    options: BulkUpdateOptions = {},
  ): Promise<{ resources: Resource[]; unchanged?: number } | BulkUpdateCounts> {
    const { chunkSize, concurrency, onProgress, returnResources = true, ...requestOptions } = options
    if (!Array.isArray(params.resources)) throw new IndentError('bulkUpdate needs `resources` to be an array')
    const space = this.#client.resolveSpace(params.spaceName)
    const minimal = returnResources ? {} : { Prefer: 'return=minimal' }
    const pages = await sendInChunks(
      params.resources,
      { chunkSize, concurrency, onProgress },
      MAX_UPDATE_CHUNK,
      (resources, index) =>
        this.#client.request<BulkUpdatePage>(
          {
            method: 'PUT',
            path: `${spacePath(space)}/resources:bulkUpdate`,
            body: { resources },
            headers: { 'Indent-Space': space, ...minimal },
          },
          chunkOptions(requestOptions, index),
        ),
    )
    if (!returnResources) return countPages(pages)
    // A server that ignores `Prefer` answers with resources; one that honours it is never asked here.
    const resources = pages.flatMap((page) => page.resources ?? [])
    // Counted only when every chunk's answer counted it: Indent's API does not.
    const counts = pages.map((page) => page.unchanged)
    if (pages.length === 0 || counts.some((n) => typeof n !== 'number')) return { resources }
    return { resources, unchanged: counts.reduce<number>((a, n) => a + (n ?? 0), 0) }
  }

  /**
   * Deletes resources by name, in chunks like {@link ResourceAPI.bulkUpdate} (default 1000 names per
   * request), and resolves with the total number deleted. On failure the error's `uploaded` counts the
   * leading names the server confirmed.
   *
   * @example
   * ```ts
   * const { deleted } = await client.resource.bulkDelete({ resourceNames: ['e843ad66', 'a1b2c3d4'] })
   * ```
   */
  async bulkDelete(
    params: { resourceNames: readonly string[] } & SpaceParam,
    options: BulkRequestOptions = {},
  ): Promise<{ deleted: number }> {
    const { chunkSize, concurrency, onProgress, ...requestOptions } = options
    if (!Array.isArray(params.resourceNames))
      throw new IndentError('bulkDelete needs `resourceNames` to be an array')
    const space = this.#client.resolveSpace(params.spaceName)
    const pages = await sendInChunks(
      params.resourceNames,
      { chunkSize, concurrency, onProgress },
      MAX_DELETE_CHUNK,
      (resourceNames, index) =>
        this.#client.request<{ deleted?: number }>(
          {
            method: 'POST',
            path: `${spacePath(space)}/resources:bulkDelete`,
            body: { resourceNames },
            headers: { 'Indent-Space': space },
          },
          chunkOptions(requestOptions, index),
        ),
    )
    return { deleted: pages.reduce((sum, page) => sum + (page?.deleted ?? 0), 0) }
  }
}

function chunkOptions(options: RequestOptions, index: number): RequestOptions {
  return options.idempotencyKey
    ? { ...options, idempotencyKey: `${options.idempotencyKey}:${index}` }
    : options
}

function resourcePath(space: string, resourceName: string): string {
  return `${spacePath(space)}/resources/${pathSegment(resourceName, 'resourceName')}`
}

/**
 * The counts of an upload's chunks added up. A chunk answered with resources (a server that does not
 * honour `Prefer`) counts its resources and leaves the breakdown unknown, for the whole upload.
 */
function countPages(pages: readonly BulkUpdatePage[]): BulkUpdateCounts {
  let count = 0
  let created = 0
  let updated = 0
  let unchanged = 0
  let known = true
  for (const page of pages) {
    if (page.count === undefined) {
      count += page.resources.length
      known = false
      continue
    }
    count += page.count
    created += page.created
    updated += page.updated
    unchanged += page.unchanged
  }
  return known ? { count, created, updated, unchanged } : { count }
}
