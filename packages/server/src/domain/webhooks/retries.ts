import type { AttemptResult, DeliveryRecord } from './types.js'

export interface RetryPolicy {
  /** Attempts before a delivery is dead-lettered. */
  maxAttempts: number
  /** The wait after the first failure; it doubles with each further one. */
  baseMs: number
  /** The longest wait between two attempts. */
  capMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 10, baseMs: 1000, capMs: 3_600_000 }

/**
 * The wait before attempt `failed + 1`: exponential, capped, with jitter between half and all of it,
 * so receivers that come back after an outage are not hit by every delivery in the same instant.
 */
export function backoffMs(failed: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const full = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, failed - 1))
  return Math.round(full / 2 + (random() * full) / 2)
}

/** Where a delivery goes after attempt number `attempt` ended with `result`. */
export function afterAttempt(
  attempt: number,
  result: AttemptResult,
  policy: RetryPolicy,
  now: number,
  random?: () => number,
): Pick<DeliveryRecord, 'status' | 'nextAttemptTime' | 'lastError' | 'lastStatus' | 'latencyMs'> {
  const common = {
    ...(result.status === undefined ? {} : { lastStatus: result.status }),
    latencyMs: result.latencyMs,
  }
  if (result.ok) return { status: 'delivered', nextAttemptTime: now, ...common }
  const error = result.error.slice(0, 1000)
  if (attempt >= policy.maxAttempts)
    return { status: 'dead', nextAttemptTime: now, lastError: error, ...common }
  return {
    status: 'pending',
    nextAttemptTime: now + backoffMs(attempt, policy, random),
    lastError: error,
    ...common,
  }
}
