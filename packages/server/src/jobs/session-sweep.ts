import type { Logger } from 'pino'
import type { Ctx } from '../domain/context.js'
import { Periodic } from './periodic.js'

/** Rows deleted per statement: a long backlog goes in short transactions, not one long lock. */
const BATCH = 1000

/**
 * Deletes dashboard sessions that expired or were signed out, hourly. They can never be used again:
 * the lookup refuses them already, so the sweep only keeps the table (and its hashes) small.
 */
export class SessionSweepJob extends Periodic {
  constructor(
    private readonly ctx: Ctx,
    logger: Logger,
    intervalMs = 3_600_000,
  ) {
    super('session sweep', intervalMs, logger)
  }

  /** Returns how many sessions were deleted. */
  async runOnce(): Promise<number> {
    const now = this.ctx.clock.now()
    let total = 0
    for (;;) {
      const n = await this.ctx.store.sessions.deleteEnded(now, BATCH)
      total += n
      if (n < BATCH) return total
    }
  }
}
