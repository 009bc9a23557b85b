import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import { describe, expect, it } from 'vitest'
import { buildSet, type CedarRequest, evaluate, type SetPart } from '../../src/domain/policies/engine.js'
import { needsOf } from '../../src/domain/policies/needs.js'
import type { RequesterFacts } from '../../src/domain/policies/ports.js'
import { cedarRequest, principalEntities, resourceEntity } from '../../src/domain/policies/request.js'

/**
 * Policies reading every kind of field a request carries, in all three parts. The engine sends each
 * call only what its bucket's policies read and asks every part at once; each part's answer must be
 * Cedar's own over that part with the whole request.
 */
const POLICIES: { text: string; mode: 'enforce' | 'shadow' }[] = [
  {
    mode: 'enforce',
    text: 'permit(principal, action, resource) when { principal.email like "*@support.example.com" && resource.kind == "customer" };',
  },
  { mode: 'enforce', text: 'forbid(principal, action, resource) when { context.openPetitions > 2 };' },
  {
    mode: 'enforce',
    text: 'forbid(principal, action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "enterprise" } unless { principal.roles.contains("editor") };',
  },
  {
    mode: 'enforce',
    text: '@duration("1h") permit(principal in Group::"oncall", action, resource) when { resource.known && context.durationSeconds <= 3600 };',
  },
  {
    mode: 'enforce',
    text: 'permit(principal, action, resource) when { principal.hasTag("team") && principal.getTag("team") == "billing" && context.weekday != "Sunday" };',
  },
  {
    mode: 'enforce',
    text: 'forbid(principal, action, resource) when { context.hasGrant && context.reason == "" };',
  },
  {
    mode: 'enforce',
    text: '@approvals("2") permit(principal, action, resource) when { resource.hasTag("region") && resource.getTag("region") == "eu" };',
  },
  {
    mode: 'enforce',
    text: '@approvals("3") permit(principal, action, resource) when { principal has groups && principal.groups.contains("new") };',
  },
  {
    mode: 'shadow',
    text: 'permit(principal, action, resource) when { context.hour >= 9 && context.hour < 17 };',
  },
  {
    mode: 'shadow',
    text: 'forbid(principal, action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "enterprise" && principal.role == "viewer" };',
  },
  {
    mode: 'shadow',
    text: 'permit(principal in Group::"oncall", action, resource) when { resource.id like "cus_1*" };',
  },
  // Identities read in a condition, so these sit in the catch-all bucket whatever the requester.
  {
    mode: 'shadow',
    text: 'permit(principal, action, resource) when { principal in Group::"new" && context.durationSeconds > 3600 };',
  },
  {
    mode: 'enforce',
    text: 'forbid(principal, action, resource) when { principal == User::"user/b@example.com" && resource.kind == "db" };',
  },
]

const partOf = (p: (typeof POLICIES)[number]): SetPart =>
  p.mode === 'shadow' ? 'shadow' : p.text.startsWith('@approvals') ? 'route' : 'decide'

describe('policy parts in one call per bucket, with only what the policies read', () => {
  it('names exactly the fields a policy reads', () => {
    const json = (t: string) => {
      const r = cedar.policyToJson(t)
      if (r.type !== 'success') throw new Error('bad policy')
      return r.json
    }
    const n = needsOf(json(POLICIES[2]?.text as string))
    expect([...(n.resource.tags as Set<string>)]).toEqual(['plan'])
    expect([...(n.principal.attrs as Set<string>)]).toEqual(['roles'])
    expect([...(n.context as Set<string>)]).toEqual([])
    const whole = needsOf(
      json(
        'permit(principal, action, resource) when { context == {} || resource.getTag(context.reason) == "x" };',
      ),
    )
    expect(whole.context).toBe('all')
    expect(whole.resource.tags).toBe('all')
    expect([n.principal.identity, n.resource.identity]).toEqual([false, false])
    const scope = needsOf(json('permit(principal in Group::"g", action, resource is Resource);'))
    expect([...(scope.principal.attrs as Set<string>), ...(scope.resource.attrs as Set<string>)]).toEqual([])
    expect([scope.principal.identity, scope.resource.identity]).toEqual([true, true])
    const compared = needsOf(json('permit(principal, action, resource) when { principal == User::"u" };'))
    expect([compared.principal.identity, compared.resource.identity]).toEqual([true, false])
  })

  it('answers every part as Cedar over that part, on 1,200 random requests', () => {
    const set = buildSet(
      'parts-test',
      1,
      'UTC',
      POLICIES.map((p, i) => ({
        id: `p${i}`,
        text: p.text,
        mode: p.mode,
        version: 1,
        createTime: 0,
        updateTime: 0,
      })),
    )
    const byPart = (part: SetPart) =>
      Object.fromEntries(POLICIES.flatMap((p, i) => (partOf(p) === part ? [[`p${i}`, p.text]] : [])))
    let seed = 11
    const pick = <T>(xs: readonly T[]): T => {
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return xs[Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * xs.length)] as T
    }
    const seen = new Map<string, number>()
    for (let n = 0; n < 1200; n++) {
      const facts: RequesterFacts = {
        roles: [pick(['viewer', 'editor', 'petitionAdmin'])],
        userLabels: {
          ...pick<Record<string, string>>([
            {},
            { groups: 'oncall' },
            { groups: 'new,oncall' },
            { groups: 'new' },
          ]),
          ...pick<Record<string, string>>([{}, { team: 'billing' }]),
        },
        openPetitions: pick([0, 1, 3]),
        hasGrant: pick([true, false]),
      }
      const email = pick(['a@support.example.com', 'b@example.com'])
      const principal = principalEntities({ kind: 'user', id: email, email }, facts)
      const labels = pick<Record<string, string> | undefined>([
        undefined,
        { plan: pick(['pro', 'enterprise']) },
        { plan: pick(['pro', 'enterprise']), region: pick(['eu', 'us']) },
      ])
      const resource = resourceEntity(
        { kind: pick(['customer', 'db']), id: pick(['cus_12', 'cus_2']) },
        labels,
      )
      const context = {
        reason: pick(['', 'ticket 7']),
        durationSeconds: pick([1800, 7200]),
        hour: pick([3, 12]),
        minute: 0,
        weekday: pick(['Monday', 'Sunday']),
      }
      const request: CedarRequest = cedarRequest(principal, resource, context, facts)
      const got = evaluate(set, request)
      for (const part of ['decide', 'route', 'shadow'] as const) {
        const reference = cedar.isAuthorized({
          principal: request.principal,
          action: { type: 'Action', id: 'request' },
          resource: request.resource,
          context: request.context,
          entities: request.entities,
          policies: { staticPolicies: byPart(part) },
        })
        if (reference.type !== 'success') throw new Error('reference failed')
        const { decision, diagnostics } = reference.response
        const kind = `${part}:${decision}:${diagnostics.reason.length > 0}`
        seen.set(kind, (seen.get(kind) ?? 0) + 1)
        expect({
          part,
          decision: got[part]?.decision,
          reasons: got[part]?.reasons,
          errors: got[part]?.errors.length,
        }).toEqual({
          part,
          decision,
          reasons: [...diagnostics.reason].sort(),
          errors: diagnostics.errors.length,
        })
      }
    }
    // Every part reaches allow, a forbid and no decision (route has no forbid), so the comparison means something.
    for (const kind of [
      'decide:allow:true',
      'decide:deny:true',
      'decide:deny:false',
      'route:allow:true',
      'route:deny:false',
      'shadow:allow:true',
      'shadow:deny:true',
      'shadow:deny:false',
    ]) {
      expect(seen.get(kind) ?? 0, kind).toBeGreaterThan(50)
    }
  })

  it("remembers a bucket's answer only for requests that read the same to it", () => {
    const set = buildSet(
      'memo-test',
      1,
      'UTC',
      [
        'permit(principal, action, resource) when { principal in Group::"new" };',
        'forbid(principal, action, resource) when { principal == User::"user/b@example.com" };',
        'permit(principal, action, resource) when { context.hour < 6 };',
      ].map((text, i) => ({ id: `m${i}`, text, mode: 'enforce', version: 1, createTime: 0, updateTime: 0 })),
    )
    const ask = (email: string, groups: string, hour: number) => {
      const facts: RequesterFacts = {
        roles: [],
        userLabels: groups ? { groups } : {},
        openPetitions: 0,
        hasGrant: false,
      }
      const principal = principalEntities({ kind: 'user', id: email, email }, facts)
      const context = { reason: '', durationSeconds: 60, hour, minute: 0, weekday: 'Monday' }
      const got = evaluate(
        set,
        cedarRequest(principal, resourceEntity({ kind: 'db', id: 'x' }, {}), context, facts),
      )
      return `${got.decide?.decision}:${got.decide?.reasons.join(',')}`
    }
    // Asked twice each, in an order where a key that left out the groups, the id or the hour would
    // hand one person's answer to the next.
    for (let round = 0; round < 2; round++) {
      expect(ask('a@example.com', 'new', 12)).toBe('allow:m0')
      expect(ask('a@example.com', '', 12)).toBe('deny:')
      expect(ask('b@example.com', 'new', 12)).toBe('deny:m1')
      expect(ask('a@example.com', '', 3)).toBe('allow:m2')
    }
  })

  it("forgets a bucket's answers past its bound, and keeps the set's count true", () => {
    const set = buildSet('bound-test', 1, 'UTC', [
      {
        id: 'b0',
        text: 'permit(principal, action, resource) when { context.durationSeconds > 60 };',
        mode: 'enforce',
        version: 1,
        createTime: 0,
        updateTime: 0,
      },
    ])
    const facts = { roles: [], userLabels: {}, openPetitions: 0, hasGrant: false }
    const principal = principalEntities({ kind: 'user', id: 'a@example.com', email: 'a@example.com' }, facts)
    const target = resourceEntity({ kind: 'db', id: 'x' }, {})
    for (let d = 0; d < 5000; d++) {
      const context = { reason: '', durationSeconds: d, hour: 0, minute: 0, weekday: 'Monday' }
      expect(evaluate(set, cedarRequest(principal, target, context, facts)).decide?.decision).toBe(
        d > 60 ? 'allow' : 'deny',
      )
    }
    const [bucket] = set.buckets.values()
    expect(bucket?.answers.size).toBe(5000 - 4096)
    expect(set.remembered.count).toBe(5000 - 4096)
  })
})
