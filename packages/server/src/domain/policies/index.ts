import type * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import type { CedarRequest } from './engine.js'

/**
 * Where a policy can possibly apply, read from its structure so that a request is evaluated only
 * against the policies that could match it. A policy scoped to `principal in Group::"g"` can only be
 * satisfied for members of g; one whose `when` requires `resource.getTag("k") == "v"` only for
 * resources tagged k=v. Anything else is `*` (every request). Sound by construction: a policy is left
 * out only when its own text makes it false for the request.
 */
export interface PolicyIndex {
  principal: string
  resource: string
  /** Every tag guard the policy requires; `resource` is one of them, or `*` without any. */
  resourceGuards: string[]
}

export const ANY = '*'

const uidOf = (e: cedar.EntityUidJson): { type: string; id: string } => ('__entity' in e ? e.__entity : e)

const groupKey = (id: string) => `g:${id}`
const userKey = (type: string, id: string) => `u:${JSON.stringify([type, id])}`
const tagKey = (k: string, v: string) => `t:${JSON.stringify([k, v])}`

function principalKey(c: cedar.PrincipalConstraint): string {
  if ((c.op === 'in' || c.op === '==') && 'entity' in c) {
    const uid = uidOf(c.entity)
    if (c.op === 'in' && uid.type === 'Group') return groupKey(uid.id)
    if (c.op === '==' && uid.type === 'User') return userKey(uid.type, uid.id)
  }
  return ANY
}

function conjuncts(e: cedar.Expr): cedar.Expr[] {
  if ('&&' in e) {
    const and = (e as { '&&': { left: cedar.Expr; right: cedar.Expr } })['&&']
    return [...conjuncts(and.left), ...conjuncts(and.right)]
  }
  return [e]
}

/** `resource.getTag("k")` → k. */
function tagRead(e: cedar.Expr): string | undefined {
  if (!('getTag' in e)) return undefined
  const { left, right } = (e as { getTag: { left: cedar.Expr; right: cedar.Expr } }).getTag
  if (!('Var' in left) || (left as { Var: string }).Var !== 'resource') return undefined
  const k = 'Value' in right ? (right as { Value: unknown }).Value : undefined
  return typeof k === 'string' ? k : undefined
}

const literal = (e: cedar.Expr): string | undefined => {
  const v = 'Value' in e ? (e as { Value: unknown }).Value : undefined
  return typeof v === 'string' ? v : undefined
}

/** Every `resource.getTag("k") == "v"` conjunct of the `when` clauses, as bucket keys. */
function resourceKeys(conditions: cedar.Clause[]): string[] {
  const keys: string[] = []
  for (const clause of conditions) {
    if (clause.kind !== 'when') continue
    for (const c of conjuncts(clause.body)) {
      if (!('==' in c)) continue
      const { left, right } = (c as { '==': { left: cedar.Expr; right: cedar.Expr } })['==']
      const k = tagRead(left) ?? tagRead(right)
      const v = tagRead(left) !== undefined ? literal(right) : literal(left)
      if (k !== undefined && v !== undefined) keys.push(tagKey(k, v))
    }
  }
  return keys
}

export function indexOf(json: cedar.PolicyJson): PolicyIndex {
  const guards = resourceKeys(json.conditions)
  return { principal: principalKey(json.principal), resource: guards[0] ?? ANY, resourceGuards: guards }
}

/**
 * Files each policy under its rarest guard: of the tag values a policy requires, the one the fewest
 * policies of the set require, so that no bucket collects every policy on, say, `region == "eu"`.
 */
export function spreadGuards(indexes: PolicyIndex[]): PolicyIndex[] {
  const count = new Map<string, number>()
  for (const i of indexes) for (const g of i.resourceGuards) count.set(g, (count.get(g) ?? 0) + 1)
  return indexes.map((i) => {
    const rarest = [...i.resourceGuards].sort((a, b) => (count.get(a) ?? 0) - (count.get(b) ?? 0))[0]
    return { ...i, resource: rarest ?? ANY }
  })
}

export const bucketOf = (i: PolicyIndex) => `${i.principal}|${i.resource}`

/** Every bucket a request could have policies in. */
export function requestBuckets(r: CedarRequest): string[] {
  const principal = r.entities.find((e) => e.uid.type === r.principal.type && e.uid.id === r.principal.id)
  const resource = r.entities.find((e) => e.uid.type === r.resource.type && e.uid.id === r.resource.id)
  const ps = [
    ANY,
    userKey(r.principal.type, r.principal.id),
    ...(principal?.parents ?? []).filter((p) => p.type === 'Group').map((p) => groupKey(p.id)),
  ]
  const rs = [ANY, ...Object.entries(resource?.tags ?? {}).map(([k, v]) => tagKey(k, v))]
  return ps.flatMap((p) => rs.map((x) => `${p}|${x}`))
}
