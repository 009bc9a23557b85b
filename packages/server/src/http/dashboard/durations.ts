import type { Policy } from '../../domain/rules/policy.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const STEPS = [
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  4 * HOUR,
  8 * HOUR,
  12 * HOUR,
  DAY,
  3 * DAY,
  7 * DAY,
  30 * DAY,
]

/**
 * The durations a reviewer picks from: a short list up to the rule's maximum, with the requested (or
 * the rule's default) duration and the maximum itself in it. The preselected one is what an approve
 * without a duration would grant.
 */
export function durationChoices(
  policy: Policy,
  requestedMs: number | undefined,
): { options: number[]; selected: number } {
  const selected = Math.min(requestedMs ?? policy.defaultMs, policy.maxMs)
  const options = [...new Set([...STEPS.filter((ms) => ms <= policy.maxMs), selected, policy.maxMs])].sort(
    (a, b) => a - b,
  )
  return { options, selected }
}
