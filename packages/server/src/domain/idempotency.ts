/** How a request with an `Idempotency-Key` stands. */
export type IdempotencyClaim =
  | { state: 'claimed' }
  | { state: 'replay'; status: number; body: string }
  | { state: 'in-progress' }
  | { state: 'mismatch' }

/**
 * Keys of requests that must run at most once per caller. The stored response is the exact bytes
 * answered, so a replay is identical to the first answer.
 */
export interface IdempotencyKeys {
  /** The insert is the lock: one concurrent request with a key wins; the others see it in progress or replay it. */
  claim(scope: string, key: string, requestHash: string, now: number): Promise<IdempotencyClaim>
  complete(scope: string, key: string, status: number, body: string): Promise<void>
  /** Forgets a claim whose request failed: it changed nothing and may run again. */
  release(scope: string, key: string): Promise<void>
  /** Returns how many keys were deleted. */
  deleteOlderThan(time: number): Promise<number>
}
