import { randomBytes } from 'node:crypto'
import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import { invalid } from '../errors.js'
import { compilePolicy } from './compile.js'
import { decideRequests, type PolicyDecision } from './decide.js'
import { buildSet, type PreparedSet } from './engine.js'
import { cedarRequest, clockIn, principalEntities, resourceEntity } from './request.js'
import { DEFAULT_TIME_ZONE, type PolicyMode, type PolicyRecord } from './types.js'

/** A request with everything the store would have supplied written out, so a case needs no server. */
export interface PolicyCase {
  name: string
  principal: {
    email: string
    roles?: string[]
    /** The labels of the requester's uploaded `user` resource (`groups` names their groups). */
    labels?: Record<string, string>
    openPetitions?: number
    hasGrant?: boolean
  }
  resources: { kind: string; id: string; labels?: Record<string, string> | undefined }[]
  reason?: string
  durationMs: number
  at: number
  expect: PolicyDecision
  /** When given, the deciding policies must be exactly these. */
  policies?: string[]
  /** When given, the approvals `@approvals` policies ask for (0: none applies). */
  approvals?: number
}

export interface CaseResult {
  name: string
  ok: boolean
  decision: PolicyDecision
  policies: string[]
  expected: PolicyDecision
  /** What `@approvals` policies ask for; 0 when none applies. */
  approvals: number
}

/**
 * A policy set file: Cedar text with any number of statements. Each is named by its `@id("…")`
 * annotation (else `policy<N>`, counting from 0) and is a shadow policy with `@mode("shadow")`.
 * Every statement is validated as the server would on save.
 */
export function parsePolicySetFile(text: string, timeZone = DEFAULT_TIME_ZONE): PreparedSet {
  const parts = cedar.policySetTextToParts(text)
  if (parts.type === 'failure') {
    // The single-policy check reports the same parse error with its line and column in the file.
    compilePolicy('file', text, 'file')
    throw invalid(parts.errors[0]?.message ?? 'invalid policy set', 'file')
  }
  const records: PolicyRecord[] = parts.policies.map((policyText, i) => {
    const json = cedar.policyToJson(policyText)
    const annotations = json.type === 'success' ? (json.json.annotations ?? {}) : {}
    const id = annotations.id ?? `policy${i}`
    compilePolicy(id, policyText, `policy ${id}`)
    const mode: PolicyMode = annotations.mode === 'shadow' ? 'shadow' : 'enforce'
    return { id, text: policyText, mode, version: 1, createTime: 0, updateTime: 0 }
  })
  const ids = new Set<string>()
  for (const r of records) {
    if (ids.has(r.id)) throw invalid(`two policies are named "${r.id}"`, 'file')
    ids.add(r.id)
  }
  // Its own engine slot, apart from every space's.
  return buildSet(`file-${randomBytes(6).toString('hex')}`, 1, timeZone, records)
}

/** Runs every case against the set; a case passes when the decision (and policies, if given) match. */
export function runCases(set: PreparedSet, cases: PolicyCase[]): CaseResult[] {
  return cases.map((c) => {
    const facts = {
      roles: c.principal.roles ?? [],
      userLabels: c.principal.labels ?? {},
      openPetitions: c.principal.openPetitions ?? 0,
      hasGrant: c.principal.hasGrant ?? false,
    }
    const principal = principalEntities(
      { kind: 'user', id: c.principal.email, email: c.principal.email },
      facts,
    )
    const context = {
      reason: c.reason ?? '',
      durationSeconds: Math.round(c.durationMs / 1000),
      ...clockIn(set.timeZone, c.at),
    }
    const requests = c.resources.map((r) =>
      cedarRequest(principal, resourceEntity(r, r.labels), context, facts),
    )
    const { enforced, approvals } = decideRequests(set, requests)
    const samePolicies =
      c.policies === undefined || c.policies.slice().sort().join(',') === enforced.policies.join(',')
    const count = approvals?.count ?? 0
    return {
      name: c.name,
      ok:
        enforced.decision === c.expect &&
        samePolicies &&
        (c.approvals === undefined || c.approvals === count),
      decision: enforced.decision,
      policies: enforced.policies,
      approvals: count,
      expected: c.expect,
    }
  })
}
