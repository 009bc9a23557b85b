import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import type { Repositories } from '../unit-of-work.js'
import { type CompiledPolicy, compilePolicy } from './compile.js'
import { bucketOf, requestBuckets, spreadGuards } from './index.js'
import type { PolicyRecord, PolicySetInfo } from './types.js'

/**
 * Which part of the set a policy belongs to. `decide`: enforced permits and forbids; `route`: enforced
 * `@approvals` permits, which route to people; `shadow`: every shadow policy, evaluated on its own.
 */
export type SetPart = 'decide' | 'route' | 'shadow'

export type LoadedPolicy = PolicyRecord & CompiledPolicy

/** A space's policy set at one version, parsed once into the engine. */
export interface PreparedSet {
  spaceId: string
  version: number
  timeZone: string
  byId: ReadonlyMap<string, LoadedPolicy>
  /** Parts that hold at least one policy: an empty part is not evaluated at all. */
  parts: ReadonlySet<SetPart>
  /** Per part, the policies of each index bucket (see index.ts): a request meets only its buckets. */
  buckets: ReadonlyMap<SetPart, ReadonlyMap<string, readonly string[]>>
  /** Stored policies that no longer compile (say, after a schema change): left out, reported by explain. */
  broken: { id: string; message: string }[]
}

/** The answer of one part for one principal × resource. */
export interface PartAnswer {
  decision: 'allow' | 'deny'
  /** The policies that determined it: satisfied permits for allow, satisfied forbids for deny. */
  reasons: string[]
  errors: { policyId: string; message: string }[]
}

export interface CedarEntity {
  uid: { type: string; id: string }
  attrs: Record<string, cedar.CedarValueJson>
  parents: { type: string; id: string }[]
  tags?: Record<string, string>
}

export interface CedarRequest {
  principal: { type: string; id: string }
  resource: { type: string; id: string }
  context: Record<string, cedar.CedarValueJson>
  entities: CedarEntity[]
}

const partOf = (p: LoadedPolicy): SetPart =>
  p.mode === 'shadow' ? 'shadow' : p.approvals !== undefined ? 'route' : 'decide'

/** The engine's own cache key of a bucket: one per space, part and bucket, replaced when the version moves. */
const cedarId = (spaceId: string, part: SetPart, bucket: string) => `${spaceId}/${part}/${bucket}`

/**
 * Prepared sets by space. The engine keeps the parsed policies itself (in the wasm module's memory);
 * this remembers which version each space's entries hold, so a policy is parsed once per version and
 * never per request, and an old version is overwritten rather than kept.
 */
const prepared = new Map<string, PreparedSet>()
const loadedInEngine = new Map<string, number>()

/** The space's set at its current version: one read of the version, and a load only when it moved. */
export async function preparedSet(
  store: Pick<Repositories, 'policies'>,
  spaceId: string,
): Promise<PreparedSet> {
  return preparedFor(store, spaceId, await store.policies.info(spaceId))
}

/** The space's set at the version `info` names, read and parsed only when that version is new here. */
export async function preparedFor(
  store: Pick<Repositories, 'policies'>,
  spaceId: string,
  info: PolicySetInfo,
): Promise<PreparedSet> {
  const cached = prepared.get(spaceId)
  if (cached && cached.version === info.version) return cached
  const records = info.version === 0 ? [] : await store.policies.all(spaceId)
  const set = buildSet(spaceId, info.version, info.timeZone, records)
  prepared.set(spaceId, set)
  return set
}

/** Compiles records into a set (no engine state yet; see `authorize`). Also used for unsaved sets. */
export function buildSet(
  spaceId: string,
  version: number,
  timeZone: string,
  records: PolicyRecord[],
): PreparedSet {
  const byId = new Map<string, LoadedPolicy>()
  const broken: { id: string; message: string }[] = []
  for (const r of records) {
    try {
      byId.set(r.id, { ...r, ...compilePolicy(r.id, r.text) })
    } catch (err) {
      broken.push({ id: r.id, message: err instanceof Error ? err.message : String(err) })
    }
  }
  const parts = new Set([...byId.values()].map(partOf))
  const buckets = new Map<SetPart, Map<string, string[]>>()
  const loaded = [...byId.values()]
  const spread = spreadGuards(loaded.map((p) => p.index))
  for (const [n, p] of loaded.entries()) {
    const part = buckets.get(partOf(p)) ?? new Map<string, string[]>()
    buckets.set(partOf(p), part)
    const key = bucketOf(spread[n] ?? p.index)
    part.set(key, [...(part.get(key) ?? []), p.id])
  }
  return { spaceId, version, timeZone, byId, parts, buckets, broken }
}

function ensureLoaded(set: PreparedSet, part: SetPart, bucket: string, ids: readonly string[]): string {
  const id = cedarId(set.spaceId, part, bucket)
  if (loadedInEngine.get(id) === set.version) return id
  const policies: Record<string, string> = {}
  for (const policyId of ids) {
    const p = set.byId.get(policyId)
    if (p) policies[p.id] = p.text
  }
  const r = cedar.preparsePolicySet(id, { staticPolicies: policies })
  if (r.type === 'failure') throw new Error(`policy set ${id} did not load: ${r.errors[0]?.message}`)
  loadedInEngine.set(id, set.version)
  return id
}

/**
 * Evaluates one part for one request, against only the buckets the request can meet; the buckets'
 * answers combine as Cedar's would over the whole part (a satisfied forbid denies, else a satisfied
 * permit allows). Loading and evaluating happen in one synchronous step, so no other request can swap
 * an entry in between. Undefined for an empty part.
 */
export function authorize(set: PreparedSet, part: SetPart, request: CedarRequest): PartAnswer | undefined {
  const buckets = set.buckets.get(part)
  if (!buckets) return undefined
  const permits: string[] = []
  const forbids: string[] = []
  const errors: PartAnswer['errors'] = []
  for (const bucket of requestBuckets(request)) {
    const ids = buckets.get(bucket)
    if (!ids) continue
    const answer = cedar.statefulIsAuthorized({
      principal: request.principal,
      action: { type: 'Action', id: 'request' },
      resource: request.resource,
      context: request.context,
      entities: request.entities,
      preparsedPolicySetId: ensureLoaded(set, part, bucket, ids),
    })
    if (answer.type === 'failure') throw new Error(`policy evaluation failed: ${answer.errors[0]?.message}`)
    const { decision, diagnostics } = answer.response
    ;(decision === 'allow' ? permits : forbids).push(...diagnostics.reason)
    errors.push(...diagnostics.errors.map((e) => ({ policyId: e.policyId, message: e.error.message })))
  }
  if (forbids.length) return { decision: 'deny', reasons: forbids.sort(), errors }
  if (permits.length) return { decision: 'allow', reasons: permits.sort(), errors }
  return { decision: 'deny', reasons: [], errors }
}

/** Forgets every prepared set (tests that reuse space ids across databases). */
export function forgetPreparedSets(): void {
  prepared.clear()
  loadedInEngine.clear()
}
