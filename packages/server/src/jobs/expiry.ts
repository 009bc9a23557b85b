import type { Logger } from 'pino'
import type { Ctx } from '../domain/context.js'
import { expireDue } from '../domain/petitions/lifecycle/expire.js'
import { Periodic } from './periodic.js'

const BATCH = 500

/** Runs the lifecycle's expiry every `intervalMs` (default 1 s): grants are revoked on time, also after a restart. */
export class ExpiryJob extends Periodic {
  constructor(
    private readonly ctx: Ctx,
    logger: Logger,
    intervalMs = 1000,
  ) {
    super('expiry', intervalMs, logger)
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
