import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import { describe, expect, it } from 'vitest'
import { buildSet, type CedarRequest, evaluate } from '../../src/domain/policies/engine.js'
import { indexOf } from '../../src/domain/policies/index.js'
import { cedarRequest, principalEntities, resourceEntity } from '../../src/domain/policies/request.js'

const TEXTS = [
  'permit(principal in Group::"g1", action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "pro" };',
  'permit(principal in Group::"g2", action, resource) when { resource.hasTag("plan") && "team" == resource.getTag("plan") };',
  'permit(principal == User::"user/u3@example.com", action, resource);',
  'permit(principal, action, resource) when { resource.hasTag("plan") && (resource.getTag("plan") == "free" || resource.getTag("plan") == "team") };',
  'forbid(principal, action, resource) when { resource.hasTag("region") && resource.getTag("region") == "eu" } unless { principal in Group::"g3" };',
  'forbid(principal in Group::"g4", action, resource) when { context.hour < 6 };',
  'permit(principal, action, resource) unless { resource.hasTag("plan") || resource.kind == "customer" };',
  'forbid(principal, action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "enterprise" && principal.role != "editor" };',
  'permit(principal in Group::"g0", action, resource) when { resource.kind == "db" };',
  'forbid(principal, action, resource) when { resource.hasTag("region") && resource.getTag("region") == "us" && resource.hasTag("plan") && resource.getTag("plan") == "pro" };',
]

describe('policy buckets', () => {
  it('reads a group scope and a top-level tag guard, and nothing it cannot prove', () => {
    const json = (t: string) => {
      const r = cedar.policyToJson(t)
      if (r.type !== 'success') throw new Error('bad policy')
      return r.json
    }
    expect(indexOf(json(TEXTS[0] as string))).toMatchObject({
      principal: 'g:g1',
      resource: 't:["plan","pro"]',
    })
    expect(indexOf(json(TEXTS[1] as string))).toMatchObject({
      principal: 'g:g2',
      resource: 't:["plan","team"]',
    })
    expect(indexOf(json(TEXTS[3] as string))).toMatchObject({ principal: '*', resource: '*' })
    expect(indexOf(json(TEXTS[6] as string))).toMatchObject({ principal: '*', resource: '*' })
  })

  it('decide exactly as Cedar over the whole set, on 2,000 random requests', () => {
    const set = buildSet(
      'index-test',
      1,
      'UTC',
      TEXTS.map((text, i) => ({
        id: `p${i}`,
        text,
        mode: 'enforce',
        version: 1,
        createTime: 0,
        updateTime: 0,
      })),
    )
    const whole = Object.fromEntries(TEXTS.map((t, i) => [`p${i}`, t]))
    // mulberry32: fixed seed, so a failure repeats; its low bits are as random as its high ones.
    let seed = 7
    const pick = <T>(xs: readonly T[]): T => {
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      const r = ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
      return xs[Math.floor(r * xs.length)] as T
    }
    const seen = { allow: 0, forbidden: 0, nothing: 0 }
    for (let n = 0; n < 2000; n++) {
      const groups = [pick(['', 'g0', 'g1', 'g2', 'g3', 'g4']), pick(['', 'g1', 'g3'])]
        .filter(Boolean)
        .join(',')
      const facts = {
        roles: [pick(['viewer', 'editor'])],
        userLabels: (groups ? { groups } : {}) as Record<string, string>,
        openPetitions: 0,
        hasGrant: false,
      }
      const email = `u${pick([1, 2, 3])}@example.com`
      const principal = principalEntities({ kind: 'user', id: email, email }, facts)
      const labels = pick<Record<string, string> | undefined>([
        undefined,
        {},
        { plan: pick(['free', 'team', 'pro', 'enterprise']) },
        { plan: pick(['pro', 'enterprise']), region: pick(['eu', 'us']) },
      ])
      const resource = resourceEntity({ kind: pick(['customer', 'db']), id: 'x' }, labels)
      const context = { reason: '', durationSeconds: 3600, hour: pick([3, 12]), minute: 0, weekday: 'Monday' }
      const request: CedarRequest = cedarRequest(principal, resource, context, facts)
      const reference = cedar.isAuthorized({
        principal: request.principal,
        action: { type: 'Action', id: 'request' },
        resource: request.resource,
        context: request.context,
        entities: request.entities,
        policies: { staticPolicies: whole },
      })
      if (reference.type !== 'success') throw new Error('reference failed')
      const { decision, diagnostics } = reference.response
      if (decision === 'allow') seen.allow++
      else if (diagnostics.reason.length) seen.forbidden++
      else seen.nothing++
      const got = evaluate(set, request).decide
      expect({ decision: got?.decision, reasons: got?.reasons }).toEqual({
        decision: reference.response.decision,
        reasons: [...reference.response.diagnostics.reason].sort(),
      })
    }
    // The requests reach every kind of answer, so the comparison means something.
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(100)
  })
})
