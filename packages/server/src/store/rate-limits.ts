import type pg from 'pg'
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
} from 'rate-limiter-flexible'
import type { Attempt, AttemptKind, AttemptLimiter, AttemptLimits, Limit } from '../domain/auth/attempts.js'
import { RateLimitedError } from '../domain/errors.js'

/** Created by migration 0005_auth in the shape rate-limiter-flexible's PostgreSQL store expects. */
export const RATE_LIMIT_TABLE = 'rate_limits'

type Scope = 'address' | 'identity'

/**
 * Failed-attempt counters on rate-limiter-flexible. On PostgreSQL they live in one table that every
 * instance shares, updated by a single atomic upsert, so a limit holds across instances; if the
 * database cannot be reached, each instance falls back to counting in memory (the library's insurance
 * limiter) rather than failing sign-ins. On SQLite, which one process serves, they are in memory.
 */
export class RateLimits implements AttemptLimiter {
  private readonly limiters = new Map<string, RateLimiterAbstract>()
  /** Keys known blocked, until when (epoch ms): a flood from a blocked client costs no round trip. */
  private readonly blocked = new Map<string, number>()

  constructor(
    private readonly limits: AttemptLimits,
    private readonly pool?: pg.Pool,
  ) {}

  async admit(a: Attempt): Promise<void> {
    const key = `${a.kind}:address:${a.address}`
    const until = this.blocked.get(key)
    const now = Date.now()
    if (until !== undefined) {
      if (until > now) throw this.refusal(until - now)
      this.blocked.delete(key)
    }
    const limit = this.limits[a.kind].address
    const res = await this.limiter(a.kind, 'address', limit).get(a.address)
    if (res && res.consumedPoints > limit.points) throw this.remember(key, res.msBeforeNext)
  }

  async failed(a: Attempt): Promise<void> {
    const results = await Promise.allSettled([
      this.limiter(a.kind, 'address', this.limits[a.kind].address).consume(a.address),
      this.limiter(a.kind, 'identity', this.limits[a.kind].identity).consume(a.identity),
    ])
    const keys = [`${a.kind}:address:${a.address}`, `${a.kind}:identity:${a.identity}`]
    let wait = 0
    for (const [i, r] of results.entries()) {
      if (r.status === 'fulfilled') continue
      // A rejection is either the library's "over the limit" answer or a store error (propagated).
      if (!(r.reason instanceof RateLimiterRes)) throw r.reason
      this.remember(keys[i] as string, r.reason.msBeforeNext)
      wait = Math.max(wait, r.reason.msBeforeNext)
    }
    if (wait > 0) throw this.refusal(wait)
  }

  private remember(key: string, ms: number): RateLimitedError {
    this.blocked.set(key, Date.now() + ms)
    // Bounded: a flood of distinct addresses must not grow this map without end.
    if (this.blocked.size > 10_000) this.blocked.delete(this.blocked.keys().next().value as string)
    return this.refusal(ms)
  }

  private refusal(ms: number): RateLimitedError {
    const seconds = Math.max(1, Math.ceil(ms / 1000))
    return new RateLimitedError(`too many failed attempts; retry in ${seconds} s`, seconds)
  }

  private limiter(kind: AttemptKind, scope: Scope, limit: Limit): RateLimiterAbstract {
    const keyPrefix = `${kind}:${scope}`
    let limiter = this.limiters.get(keyPrefix)
    if (limiter) return limiter
    const options = {
      keyPrefix,
      points: limit.points,
      duration: limit.windowSeconds,
      blockDuration: limit.blockSeconds,
    }
    limiter = this.pool
      ? new RateLimiterPostgres({
          ...options,
          storeClient: this.pool,
          storeType: 'pool',
          tableName: RATE_LIMIT_TABLE,
          // The table is the migration's: the library must not issue DDL of its own at run time.
          tableCreated: true,
          insuranceLimiter: new RateLimiterMemory(options),
        })
      : new RateLimiterMemory(options)
    this.limiters.set(keyPrefix, limiter)
    return limiter
  }
}
