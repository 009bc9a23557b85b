import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import type { Repositories } from '../unit-of-work.js'
import { type CompiledPolicy, compileToJson } from './compile.js'
import { bucketOf, requestBuckets, spreadGuards } from './index.js'
import { answerKey, mergeNeeds, type Needs, needsOf, noNeeds, slimRequest } from './needs.js'
import type { PolicyRecord, PolicySetInfo } from './types.js'

/**
 * Which part of the set a policy belongs to. `decide`: enforced permits and forbids; `route`: enforced
 * `@approvals` permits, which route to people; `shadow`: every shadow policy, evaluated on its own.
 */
export type SetPart = 'decide' | 'route' | 'shadow'

export type LoadedPolicy = PolicyRecord & CompiledPolicy & { part: SetPart }

/** The policies filed under one index key (by id, as the engine gets them), and what they read of a request. */
export interface Bucket {
  needs: Needs
  /** Each policy's JSON form, as a permit (see `buildSet`). */
  forms: Record<string, cedar.PolicyJson>
  /** Answers by `answerKey`: the bucket's policies are fixed for the set's version. */
  answers: Map<string, BucketAnswer>
}

/** What one bucket says: its satisfied policies and those that failed to evaluate. */
interface BucketAnswer {
  satisfied: string[]
  errors: { policyId: string; message: string }[]
}

/** A space's policy set at one version, parsed once into the engine. */
export interface PreparedSet {
  spaceId: string
  version: number
  timeZone: string
  byId: ReadonlyMap<string, LoadedPolicy>
  /** Parts that hold at least one policy: an empty part is not evaluated at all. */
  parts: ReadonlySet<SetPart>
  /** The policies of each index bucket (see index.ts), every part together: a request meets only its buckets. */
  buckets: ReadonlyMap<string, Bucket>
  /** Stored policies that no longer compile (say, after a schema change): left out, reported by explain. */
  broken: { id: string; message: string }[]
  /** How many answers its buckets remember in all. */
  remembered: { count: number }
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

const partOf = (p: Pick<PolicyRecord, 'mode'> & Pick<CompiledPolicy, 'approvals'>): SetPart =>
  p.mode === 'shadow' ? 'shadow' : p.approvals !== undefined ? 'route' : 'decide'

/** The engine's own cache key of a bucket: one per space and bucket, replaced when the version moves. */
const cedarId = (spaceId: string, bucket: string) => `${spaceId}/${bucket}`

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

/**
 * The space's set at the version `info` names, read and parsed only when that version is new here.
 * A new version's buckets are then loaded into the engine in the background, one per turn of the
 * event loop, so that requests find them parsed; a request that comes first loads its own.
 */
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
  warmUp(set)
  return set
}

/** Loads every bucket of `set` into the engine now (a twin of a set in a bench, say). */
export function loadAll(set: PreparedSet): void {
  for (const bucket of set.buckets.keys()) ensureLoaded(set, bucket)
}

function warmUp(set: PreparedSet): void {
  const pending = [...set.buckets.keys()]
  const next = () => {
    const bucket = pending.shift()
    // A newer version (or a test's reset) replaced the set: its buckets are no longer wanted.
    if (bucket === undefined || prepared.get(set.spaceId) !== set) return
    try {
      ensureLoaded(set, bucket)
    } catch {
      return // the request that meets the bucket reports it
    }
    setImmediate(next).unref()
  }
  if (pending.length) setImmediate(next).unref()
}

/** Compiles records into a set (no engine state yet; see `evaluate`). Also used for unsaved sets. */
export function buildSet(
  spaceId: string,
  version: number,
  timeZone: string,
  records: PolicyRecord[],
): PreparedSet {
  const byId = new Map<string, LoadedPolicy>()
  const forms = new Map<string, cedar.PolicyJson>()
  const broken: { id: string; message: string }[] = []
  for (const r of records) {
    try {
      const { compiled, json } = compileToJson(r.id, r.text)
      byId.set(r.id, { ...r, ...compiled, part: partOf({ mode: r.mode, ...compiled }) })
      forms.set(r.id, json)
    } catch (err) {
      broken.push({ id: r.id, message: err instanceof Error ? err.message : String(err) })
    }
  }
  const loaded = [...byId.values()]
  const parts = new Set(loaded.map((p) => p.part))
  const buckets = new Map<string, Bucket>()
  const spread = spreadGuards(loaded.map((p) => p.index))
  for (const [n, p] of loaded.entries()) {
    const key = bucketOf(spread[n] ?? p.index)
    const json = forms.get(p.id) as cedar.PolicyJson
    const bucket: Bucket = buckets.get(key) ?? { needs: noNeeds(), forms: {}, answers: new Map() }
    bucket.needs = mergeNeeds(bucket.needs, needsOf(json))
    // Every policy goes to the engine as a permit: an allowing answer then names every satisfied
    // policy of the bucket, forbids included, and each part's answer is put together from those.
    bucket.forms[p.id] = { ...json, effect: 'permit' }
    buckets.set(key, bucket)
  }
  return { spaceId, version, timeZone, byId, parts, buckets, broken, remembered: { count: 0 } }
}

function ensureLoaded(set: PreparedSet, bucket: string): string {
  const id = cedarId(set.spaceId, bucket)
  if (loadedInEngine.get(id) === set.version) return id
  const forms = set.buckets.get(bucket)?.forms ?? {}
  const r = cedar.preparsePolicySet(id, { staticPolicies: forms })
  if (r.type === 'failure') throw new Error(`policy set ${id} did not load: ${r.errors[0]?.message}`)
  loadedInEngine.set(id, set.version)
  return id
}

/**
 * Answers remembered per bucket, and per set across its buckets, at most this many (past either, the
 * bucket's or the whole set's are forgotten at once): an entry is a few hundred bytes, so a set holds
 * at most some 20 MB of them however many buckets it has.
 */
const MAX_ANSWERS = 4096
const MAX_SET_ANSWERS = 65_536

/** Buckets answered since the process started: by the engine, and from memory. */
const counts = { evaluated: 0, remembered: 0 }

export const answerCounts = (): Readonly<typeof counts> => ({ ...counts })

/** One bucket's answer: from memory when a request with the same key was answered (see `answerKey`). */
function bucketAnswer(set: PreparedSet, key: string, bucket: Bucket, request: CedarRequest): BucketAnswer {
  const slim = slimRequest(request, bucket.needs)
  const memo = answerKey(slim, bucket.needs)
  const known = bucket.answers.get(memo)
  if (known) {
    counts.remembered++
    return known
  }
  counts.evaluated++
  const answer = cedar.statefulIsAuthorized({
    principal: slim.principal,
    action: { type: 'Action', id: 'request' },
    resource: slim.resource,
    context: slim.context,
    entities: slim.entities,
    preparsedPolicySetId: ensureLoaded(set, key),
  })
  if (answer.type === 'failure') throw new Error(`policy evaluation failed: ${answer.errors[0]?.message}`)
  const out: BucketAnswer = {
    satisfied: answer.response.diagnostics.reason,
    errors: answer.response.diagnostics.errors.map((e) => ({
      policyId: e.policyId,
      message: e.error.message,
    })),
  }
  if (bucket.answers.size >= MAX_ANSWERS) {
    set.remembered.count -= bucket.answers.size
    bucket.answers.clear()
  }
  if (set.remembered.count >= MAX_SET_ANSWERS) {
    for (const b of set.buckets.values()) b.answers.clear()
    set.remembered.count = 0
  }
  bucket.answers.set(memo, out)
  set.remembered.count++
  return out
}

/**
 * Evaluates every part for one request in one call per bucket the request can meet, each call
 * carrying only what that bucket's policies read (and no call when the bucket answered the same
 * before). The satisfied policies make up each part's answer as Cedar's would over the whole part: a
 * satisfied forbid denies, else a satisfied permit allows. Loading and evaluating happen in one
 * synchronous step, so no other request can swap an entry in between. A part the set has no policy in
 * is absent.
 */
export function evaluate(set: PreparedSet, request: CedarRequest): Partial<Record<SetPart, PartAnswer>> {
  const satisfied: string[] = []
  const errors: PartAnswer['errors'] = []
  for (const key of requestBuckets(request)) {
    const bucket = set.buckets.get(key)
    if (!bucket) continue
    const answer = bucketAnswer(set, key, bucket, request)
    satisfied.push(...answer.satisfied)
    errors.push(...answer.errors)
  }
  const out: Partial<Record<SetPart, PartAnswer>> = {}
  for (const part of set.parts) {
    const permits: string[] = []
    const forbids: string[] = []
    for (const id of satisfied) {
      const p = set.byId.get(id)
      if (p?.part === part) (p.effect === 'forbid' ? forbids : permits).push(id)
    }
    const partErrors = errors.filter((e) => set.byId.get(e.policyId)?.part === part)
    out[part] = forbids.length
      ? { decision: 'deny', reasons: forbids.sort(), errors: partErrors }
      : permits.length
        ? { decision: 'allow', reasons: permits.sort(), errors: partErrors }
        : { decision: 'deny', reasons: [], errors: partErrors }
  }
  return out
}

/** Forgets every prepared set (tests that reuse space ids across databases). */
export function forgetPreparedSets(): void {
  prepared.clear()
  loadedInEngine.clear()
}
