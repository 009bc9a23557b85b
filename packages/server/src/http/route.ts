import type { Context, Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { type ZodObject, type ZodType, z } from 'zod'
import { accessSpace, authenticate } from '../domain/auth/authenticate.js'
import { type Principal, principalKey, type SpaceAccess } from '../domain/auth/principal.js'
import { sha256Hex } from '../domain/ids.js'
import { readBodyText } from './body.js'
import { clientAddress } from './client-address.js'
import type { AppDeps } from './deps.js'
import type { AppEnv } from './env.js'
import { fromZod, httpError, sendError } from './errors.js'
import { JsonText } from './json-text.js'
import { minimalApplied, wantsMinimal } from './prefer.js'
import { refuseNul, refuseTooManyLabels, refuseUnsafeJson } from './safe-input.js'

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'
type Auth = 'none' | 'principal' | 'space'

type Infer<S> = S extends ZodType ? z.infer<S> : undefined

export interface HandlerInput<P, Q, B, A extends Auth> {
  params: Infer<P>
  query: Infer<Q>
  body: Infer<B>
  principal: A extends 'none' ? undefined : Principal
  access: A extends 'space' ? SpaceAccess : undefined
  deps: AppDeps
  c: Context<AppEnv>
}

export interface RouteDef<
  P extends ZodObject | undefined = ZodObject | undefined,
  Q extends ZodObject | undefined = ZodObject | undefined,
  B extends ZodType | undefined = ZodType | undefined,
  R extends ZodType = ZodType,
  A extends Auth = Auth,
> {
  method: Method
  /** OpenAPI form: `{param}` for parameters; AIP custom verbs literally (`/resources:bulkUpdate`). */
  path: string
  summary: string
  tag: string
  auth: A
  params?: P
  query?: Q
  body?: B
  response: R
  /**
   * A hand-written test that accepts exactly the bodies `body` accepts, for a schema whose parse returns
   * an equal value (no defaults, transforms or stripped keys): a yes skips the schema's copy of the
   * body, a no leaves the decision and its error to the schema.
   */
  bodyCheck?: (json: unknown) => boolean
  /** `bulk` for a route that takes a whole upload in one body: it gets the larger limit. */
  bodyLimit?: 'bulk'
  /** Read the body as JSON whatever its content type (Indent's audit SDK sends none). */
  anyContentType?: true
  /** Regular expressions a path parameter must match for the route to match at all. */
  paramPatterns?: Record<string, string>
  /** Success status; 200 unless given. */
  status?: number
  /**
   * False for POSTs that only read or wait (the approval check, `:wait`): a repeat is harmless, so
   * they skip the Idempotency-Key bookkeeping and its database writes on a hot path.
   */
  idempotent?: false
  /**
   * The handler honours `Prefer: return=minimal` (with `prefersMinimal`): a different answer, so a
   * repeat under the same Idempotency-Key must ask the same, and its replay says it was applied.
   */
  answersMinimal?: true
  handler: (input: HandlerInput<P, Q, B, A>) => Promise<z.infer<R> | JsonText>
}

/** Identity helper that keeps each route's types precise. */
export function route<
  P extends ZodObject | undefined,
  Q extends ZodObject | undefined,
  B extends ZodType | undefined,
  R extends ZodType,
  A extends Auth,
>(def: RouteDef<P, Q, B, R, A>): RouteDef<P, Q, B, R, A> {
  return def
}

/**
 * `{space}` → `:space`. A segment with a literal colon (`resources:bulkUpdate`) becomes a regex
 * parameter, because in a plain Hono path `:` starts a parameter even mid-segment, which would make
 * `resources:bulkUpdate` also answer `resourcesXbulkUpdate` or `resources:bulkDelete`. A custom verb
 * on a named resource (`{petition}:wait`) becomes `:petition{[^/:]+:wait}`; the route strips the
 * `:wait` from the parameter again (see `verbSuffixes`).
 */
export function toHonoPath(path: string, patterns: Record<string, string> = {}): string {
  let verbs = 0
  return path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment)
      if (param) {
        const pattern = patterns[param[1] as string]
        return pattern === undefined ? `:${param[1]}` : `:${param[1]}{${pattern}}`
      }
      const onResource = /^\{(\w+)\}:(\w+)$/.exec(segment)
      if (onResource) return `:${onResource[1]}{[^/:]+:${onResource[2]}}`
      if (segment.includes(':')) return `:verb${verbs++}{${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}}`
      return segment
    })
    .join('/')
}

/** Parameters that carry a custom verb suffix in Hono's match, e.g. `{ petition: ':wait' }`. */
function verbSuffixes(path: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of path.matchAll(/\{(\w+)\}(:\w+)(?=\/|$)/g)) out[m[1] as string] = m[2] as string
  return out
}

export function mount(app: Hono<AppEnv>, deps: AppDeps, defs: RouteDef[]): void {
  for (const def of defs) {
    const suffixes = verbSuffixes(def.path)
    app.on(def.method.toUpperCase(), toHonoPath(def.path, def.paramPatterns), (c) =>
      run(def, deps, c, suffixes),
    )
  }
}

function pathParams(c: Context<AppEnv>, suffixes: Record<string, string>): Record<string, string> {
  const params = c.req.param() as Record<string, string>
  for (const [name, suffix] of Object.entries(suffixes)) {
    const v = params[name]
    if (v?.endsWith(suffix)) params[name] = v.slice(0, -suffix.length)
  }
  return params
}

async function run(
  def: RouteDef,
  deps: AppDeps,
  c: Context<AppEnv>,
  suffixes: Record<string, string>,
): Promise<Response> {
  // Who is asking comes first: an unauthenticated caller learns nothing, not even what it got wrong.
  let principal: Principal | undefined
  let access: SpaceAccess | undefined
  if (def.auth !== 'none') {
    principal = await authenticate(deps, bearer(c), {
      address: () => clientAddress(c, deps.options.trustProxy),
    })
  }
  const rawParams = pathParams(c, suffixes)
  refuseNul(rawParams)
  refuseNul(c.req.query())
  if (def.auth === 'space' && principal) {
    access = await accessSpace(deps, principal, c.req.param('space') ?? '')
  }
  const params = def.params ? parse(def.params, rawParams) : undefined
  const query = def.query ? parse(def.query, c.req.query()) : undefined
  const limit = def.bodyLimit === 'bulk' ? deps.options.maxBulkBodyBytes : deps.options.maxBodyBytes
  const raw = def.body ? await readBody(c, limit, def.anyContentType === true) : undefined
  const body = def.body ? (def.bodyCheck?.(raw?.json) ? raw?.json : parse(def.body, raw?.json)) : undefined

  const execute = async () => {
    const result = await def.handler({ params, query, body, principal, access, deps, c } as never)
    if (deps.options.validateResponses) {
      def.response.parse(result instanceof JsonText ? JSON.parse(result.text) : result)
    }
    return result
  }
  const key = c.req.header('idempotency-key')
  if (c.req.method === 'POST' && key !== undefined && principal && def.idempotent !== false) {
    return idempotent(c, deps, def, principal, key, raw?.text ?? '', execute)
  }
  const result = await execute()
  const status = (def.status ?? 200) as ContentfulStatusCode
  const text = result instanceof JsonText ? result.text : JSON.stringify(result)
  return c.body(text.length > LARGE_BODY ? Buffer.from(text) : text, status, JSON_TYPE)
}

const JSON_TYPE = { 'content-type': 'application/json' }
/**
 * Characters from which a body is encoded once here rather than as text: the server would measure a
 * string's UTF-8 length and then encode it while writing, two passes over an upload's 20 MB answer.
 */
const LARGE_BODY = 64 * 1024

function parse<S extends ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value)
  if (!r.success) throw fromZod(r.error)
  return r.data
}

async function readBody(
  c: Context<AppEnv>,
  max: number,
  anyContentType: boolean,
): Promise<{ text: string; json: unknown }> {
  const type = c.req.header('content-type') ?? ''
  if (!anyContentType && !/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    throw httpError(
      'UNSUPPORTED_MEDIA_TYPE',
      'send the request body as JSON with "Content-Type: application/json"',
    )
  }
  const text = await readBodyText(c, max)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw httpError('INVALID_ARGUMENT', 'the request body is not valid JSON')
  }
  refuseUnsafeJson(text, json)
  refuseTooManyLabels(text, json)
  return { text, json }
}

function bearer(c: Context<AppEnv>): string | undefined {
  const header = c.req.header('authorization')
  const m = header && /^Bearer\s+(\S+)\s*$/i.exec(header)
  return m ? m[1] : undefined
}

const KEY_MAX = 255

/**
 * Runs a POST at most once per `Idempotency-Key` (per caller): a retry after a lost response gets the
 * stored response instead of a second token or resource. A failed request leaves no record, since it
 * changed nothing and may safely run again.
 */
async function idempotent(
  c: Context<AppEnv>,
  deps: AppDeps,
  def: RouteDef,
  principal: Principal,
  key: string,
  bodyText: string,
  execute: () => Promise<unknown>,
): Promise<Response> {
  if (key.length === 0 || key.length > KEY_MAX) {
    throw httpError(
      'INVALID_ARGUMENT',
      `Idempotency-Key must be 1 to ${KEY_MAX} characters`,
      'Idempotency-Key',
    )
  }
  const scope = principalKey(principal)
  const minimal = def.answersMinimal === true && wantsMinimal(c)
  // Requests that do not ask for the minimal answer hash as they always have.
  const requestHash = sha256Hex(
    `${c.req.method} ${c.req.path}${minimal ? ' return=minimal' : ''}\n${bodyText}`,
  )
  const claim = await deps.store.idempotency.claim(scope, key, requestHash, deps.clock.now())
  switch (claim.state) {
    case 'mismatch':
      throw httpError(
        'INVALID_ARGUMENT',
        'this Idempotency-Key was used for a different request',
        'Idempotency-Key',
      )
    case 'in-progress':
      c.header('x-should-retry', 'true')
      return sendError(
        c,
        'CONFLICT',
        'a request with this Idempotency-Key is still in progress; retry shortly',
      )
    case 'replay':
      c.header('idempotent-replayed', 'true')
      if (minimal) minimalApplied(c)
      return c.body(claim.body, claim.status as ContentfulStatusCode, JSON_TYPE)
    case 'claimed':
      break
  }
  try {
    const result = await execute()
    const status = def.status ?? 200
    const text = result instanceof JsonText ? result.text : JSON.stringify(result)
    await deps.store.idempotency.complete(scope, key, status, text)
    return c.body(text, status as ContentfulStatusCode, JSON_TYPE)
  } catch (err) {
    await deps.store.idempotency.release(scope, key)
    throw err
  }
}

/** An empty schema for routes without a body, documented as such. */
export const Empty = z.object({})
