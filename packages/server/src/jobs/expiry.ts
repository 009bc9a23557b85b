import type { Logger } from 'pino'
import type { Ctx } from '../domain/context.js'
import { expireDue } from '../domain/petitions/lifecycle/expire.js'
import { Periodic } from './periodic.js'

const BATCH = 500
/** The shortest pause between passes, so that a grant that cannot be revoked never makes a busy loop. */
const MIN_PAUSE_MS = 25

/** Runs the lifecycle's expiry every `intervalMs` (default 1 s): grants are revoked on time, also after a restart. */
export class ExpiryJob extends Periodic {
  constructor(
    private readonly ctx: Ctx,
    logger: Logger,
    intervalMs = 1000,
  ) {
    super('expiry', intervalMs, logger)
  }

  /**
   * Wakes when the next grant is due rather than on the next tick: a grant is revoked within
   * milliseconds of its expiry, not up to `intervalMs` late. Still at least every `intervalMs`, since
   * grants made meanwhile (also on other instances) may be due sooner.
   */
  protected override async nextDelayMs(): Promise<number> {
    const interval = await super.nextDelayMs()
    const next = await this.ctx.store.petitions.nextExpiry()
    if (next === undefined) return interval
    return Math.max(MIN_PAUSE_MS, Math.min(interval, next - this.ctx.clock.now()))
  }

  /** One pass: revokes everything due at the clock's now. Returns how many grants it revoked. */
  async runOnce(): Promise<number> {
    let total = 0
    for (;;) {
      const revoked = await expireDue(this.ctx, BATCH)
      total += revoked
      if (revoked < BATCH) return total
    }
  }
}
