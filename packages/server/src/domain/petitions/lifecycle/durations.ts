import { formatGoDuration, LABELS, parseGoDuration } from '@openindent/contract'
import { invalid } from '../../errors.js'
import type { Policy } from '../../rules/policy.js'
import type { PetitionRecord } from '../types.js'

/** The duration an approve claim asks for, in ms, or null for until revoked; checked against the policy. */
export function approvedDuration(
  labels: Record<string, string>,
  p: PetitionRecord,
  policy: Policy,
  now: number,
): number | null {
  const param = 'claim.meta.labels'
  if (labels[LABELS.indefinite] === 'true') {
    if (!policy.allowIndefinite) throw invalid('these resources cannot be granted indefinitely', param)
    return null
  }
  let ms: number | undefined
  const expires = labels[LABELS.expires]
  const duration = labels[LABELS.duration]
  if (duration !== undefined) {
    ms = parseGoDuration(duration)
    if (ms === undefined)
      throw invalid(`${LABELS.duration}: "${duration}" is not a Go duration such as 2h`, param)
    if (ms < 0) {
      if (!policy.allowIndefinite) throw invalid('these resources cannot be granted indefinitely', param)
      return null
    }
  } else if (expires !== undefined) {
    const at = Date.parse(expires)
    if (Number.isNaN(at)) throw invalid(`${LABELS.expires}: "${expires}" is not an RFC 3339 time`, param)
    ms = at - now
  }
  ms ??= p.durationMs ?? policy.defaultMs
  if (ms <= 0) throw invalid('the approved duration must be positive', param)
  if (ms > policy.maxMs)
    throw invalid(`the approved duration is longer than the ${formatGoDuration(policy.maxMs)} allowed`, param)
  return ms
}

/** The shortest of the approved durations (null, until revoked, is the longest); null when all are. */
export function quorumDuration(approvals: readonly { durationMs: number | null }[]): number | null {
  const finite = approvals.map((a) => a.durationMs).filter((ms): ms is number => ms !== null)
  return finite.length ? Math.min(...finite) : null
}
