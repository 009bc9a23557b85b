import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import { parseGoDuration } from '@openindent/contract'
import { invalid } from '../errors.js'
import { indexOf, type PolicyIndex } from './index.js'
import { POLICY_SCHEMA } from './schema.js'

/** What a policy means to OpenIndent, read from its text once when it is written or loaded. */
export interface CompiledPolicy {
  effect: 'permit' | 'forbid'
  /** `@duration("1h")`: the longest grant this permit makes. */
  durationMs?: number
  /**
   * `@approvals("2")`: a permit that routes the request to people and needs this many approvals,
   * instead of approving it (see README, "Policies").
   */
  approvals?: number
  /** Which requests it can possibly apply to (see index.ts). */
  index: PolicyIndex
}

const MAX_APPROVALS = 10

/** 1-based line and column of a character offset. */
export function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  return { line, column: offset - before.lastIndexOf('\n') }
}

/** Cedar's own message, with where it points and its help: "line 1, column 44: … (did you mean …?)". */
function describe(text: string, e: cedar.DetailedError): string {
  const at = e.sourceLocations?.[0]
  const where = at ? `line ${position(text, at.start).line}, column ${position(text, at.start).column}: ` : ''
  const label = at?.label ? ` (${at.label})` : ''
  const help = e.help ? `; ${e.help}` : ''
  return `${where}${e.message}${label}${help}`
}

/**
 * Parses and validates one policy against the published schema, in strict mode, and reads its
 * annotations. Throws INVALID_ARGUMENT on `param` with Cedar's message and position; nothing else.
 */
export function compilePolicy(id: string, text: string, param = 'policy.text'): CompiledPolicy {
  return compileToJson(id, text, param).compiled
}

/** `compilePolicy`, with the policy's JSON form beside what it means (for the engine). */
export function compileToJson(
  id: string,
  text: string,
  param = 'policy.text',
): { compiled: CompiledPolicy; json: cedar.PolicyJson } {
  const parts = cedar.policySetTextToParts(text)
  if (parts.type === 'failure') throw invalid(describe(text, firstError(parts.errors)), param)
  if (parts.policies.length !== 1 || parts.policy_templates.length !== 0) {
    throw invalid(
      `a policy holds exactly one permit or forbid statement; this text holds ${parts.policies.length}`,
      param,
    )
  }
  const checked = cedar.validate({
    schema: POLICY_SCHEMA,
    policies: { staticPolicies: { [id]: text } },
    validationSettings: { mode: 'strict' },
  })
  if (checked.type === 'failure') throw invalid(describe(text, firstError(checked.errors)), param)
  const problem = checked.validationErrors[0]
  if (problem) throw invalid(describe(text, problem.error), param)
  const json = cedar.policyToJson(text)
  if (json.type === 'failure') throw invalid(describe(text, firstError(json.errors)), param)
  return { compiled: annotations(json.json, param), json: json.json }
}

function firstError(errors: cedar.DetailedError[]): cedar.DetailedError {
  return errors[0] ?? { message: 'invalid policy', help: null, code: null, url: null, severity: null }
}

function annotations(json: cedar.PolicyJson, param: string): CompiledPolicy {
  const out: CompiledPolicy = { effect: json.effect, index: indexOf(json) }
  const a = json.annotations ?? {}
  if (a.duration !== undefined) {
    const ms = parseGoDuration(a.duration)
    if (ms === undefined || ms <= 0)
      throw invalid(`@duration("${a.duration}"): a positive Go duration such as "1h"`, param)
    if (json.effect !== 'permit') throw invalid('@duration caps a grant: only a permit can carry it', param)
    out.durationMs = ms
  }
  if (a.approvals !== undefined) {
    const n = Number(a.approvals)
    if (!Number.isInteger(n) || n < 1 || n > MAX_APPROVALS) {
      throw invalid(`@approvals("${a.approvals}"): a whole number from 1 to ${MAX_APPROVALS}`, param)
    }
    if (json.effect !== 'permit')
      throw invalid('@approvals routes a request to people: only a permit can carry it', param)
    if (out.durationMs !== undefined)
      throw invalid('@approvals and @duration do not go together: an @approvals policy never grants', param)
    out.approvals = n
  }
  return out
}
