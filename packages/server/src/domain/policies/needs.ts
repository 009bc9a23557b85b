import type * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import type { CedarEntity, CedarRequest } from './engine.js'

/**
 * What a policy reads of a request, found in its structure: which attributes and tags of the principal
 * and the resource, and which context fields. Cedar converts every attribute, tag and context field it
 * is given on every call (most of a call's cost), so each call sends only what its policies can read.
 * A field no policy of the call names cannot change its answer; anything the walk cannot pin down
 * (a tag read by a computed key, a whole record compared) sends everything.
 */
export interface Needs {
  principal: Fields
  resource: Fields
  context: Names
}

/** Names read, or `all`. */
type Names = Set<string> | 'all'

interface Fields {
  attrs: Names
  tags: Names
  /** Whether its identity or ancestors are read (a scope, `in`, `==`, `is`): else both go unread. */
  identity: boolean
}

type EntityVar = 'principal' | 'resource'

export const noNeeds = (): Needs => ({
  principal: { attrs: new Set(), tags: new Set(), identity: false },
  resource: { attrs: new Set(), tags: new Set(), identity: false },
  context: new Set(),
})

const everything = (): Fields => ({ attrs: 'all', tags: 'all', identity: true })

const add = (names: Names, name: string | 'all'): Names => {
  if (names === 'all' || name === 'all') return 'all'
  names.add(name)
  return names
}

const union = (a: Names, b: Names): Names => {
  if (a === 'all' || b === 'all') return 'all'
  return new Set([...a, ...b])
}

/** Everything either reads. */
export function mergeNeeds(a: Needs, b: Needs): Needs {
  return {
    principal: mergeFields(a.principal, b.principal),
    resource: mergeFields(a.resource, b.resource),
    context: union(a.context, b.context),
  }
}

const mergeFields = (a: Fields, b: Fields): Fields => ({
  attrs: union(a.attrs, b.attrs),
  tags: union(a.tags, b.tags),
  identity: a.identity || b.identity,
})

type Node = Record<string, unknown>
const isNode = (e: unknown): e is Node => typeof e === 'object' && e !== null && !Array.isArray(e)
const varOf = (e: unknown): string | undefined => (isNode(e) && typeof e.Var === 'string' ? e.Var : undefined)
const isEntityVar = (v: string | undefined): v is EntityVar => v === 'principal' || v === 'resource'

/** Comparisons that use an entity's identity and ancestors only, never its attributes. */
const IDENTITY_OPS = new Set(['==', '!=', 'in', 'is'])

/** The needs of one policy, from Cedar's JSON form. Scope constraints read identities only. */
export function needsOf(json: cedar.PolicyJson): Needs {
  const needs = noNeeds()
  needs.principal.identity = json.principal.op !== 'All'
  needs.resource.identity = json.resource.op !== 'All'
  for (const clause of json.conditions) visit(clause.body, needs)
  return needs
}

function visit(e: unknown, needs: Needs): void {
  if (Array.isArray(e)) {
    for (const x of e) visit(x, needs)
    return
  }
  if (!isNode(e) || 'Value' in e) return
  const v = varOf(e)
  if (v !== undefined) {
    // A variable used whole: a record compared or passed on, so everything it holds may matter.
    if (v === 'context') needs.context = 'all'
    if (isEntityVar(v)) needs[v] = everything()
    return
  }
  for (const [op, body] of Object.entries(e)) {
    if (!isNode(body)) {
      visit(body, needs)
      continue
    }
    const left = varOf(body.left)
    if ((op === '.' || op === 'has') && left !== undefined) {
      readAttr(needs, left, body.attr)
    } else if ((op === 'getTag' || op === 'hasTag') && isEntityVar(left)) {
      const key = isNode(body.right) && typeof body.right.Value === 'string' ? body.right.Value : 'all'
      needs[left].tags = add(needs[left].tags, key)
      if (key === 'all') visit(body.right, needs)
    } else if (IDENTITY_OPS.has(op)) {
      for (const x of Object.values(body)) {
        const operand = varOf(x)
        if (isEntityVar(operand)) needs[operand].identity = true
        else visit(x, needs)
      }
    } else {
      visit(Object.values(body), needs)
    }
  }
}

/** `x.a`, `x has a` and `x has a.b` (the first step is what the request must carry). */
function readAttr(needs: Needs, v: string, attr: unknown): void {
  const first = Array.isArray(attr) ? attr[0] : attr
  const name = typeof first === 'string' ? first : 'all'
  if (v === 'context') needs.context = add(needs.context, name)
  else if (isEntityVar(v)) needs[v].attrs = add(needs[v].attrs, name)
}

const pick = <T>(values: Record<string, T>, names: Names): Record<string, T> => {
  if (names === 'all') return values
  const out: Record<string, T> = {}
  for (const n of names) if (n in values) out[n] = values[n] as T
  return out
}

function slimEntity(e: CedarEntity, fields: Fields): CedarEntity {
  const parents = fields.identity ? e.parents : []
  const slim: CedarEntity = { uid: e.uid, attrs: pick(e.attrs, fields.attrs), parents }
  if (e.tags) slim.tags = pick(e.tags, fields.tags)
  return slim
}

const sameUid = (a: CedarEntity['uid'], b: CedarEntity['uid']) => a.type === b.type && a.id === b.id

/** The request with only what `needs` names; other entities (none today) go as they are. */
export function slimRequest(r: CedarRequest, needs: Needs): CedarRequest {
  return {
    principal: r.principal,
    resource: r.resource,
    context: pick(r.context, needs.context),
    entities: r.entities.map((e) =>
      sameUid(e.uid, r.principal)
        ? slimEntity(e, needs.principal)
        : sameUid(e.uid, r.resource)
          ? slimEntity(e, needs.resource)
          : e,
    ),
  }
}

/**
 * What a bucket's answer depends on, as a string: the fields its policies read and, where they read
 * identities, the entity's id and ancestors. Two requests with the same key get the same answer from
 * the bucket (Cedar is a pure function of what it is given), so the answer is remembered under it.
 * Takes a request already slimmed to `needs`.
 */
export function answerKey(slim: CedarRequest, needs: Needs): string {
  const part = (uid: CedarEntity['uid'], fields: Fields) => {
    const e = slim.entities.find((x) => sameUid(x.uid, uid))
    return [fields.identity ? [uid.type, uid.id, e?.parents ?? []] : 0, e?.attrs ?? {}, e?.tags ?? {}]
  }
  return JSON.stringify([
    part(slim.principal, needs.principal),
    part(slim.resource, needs.resource),
    slim.context,
    slim.entities.length,
  ])
}
