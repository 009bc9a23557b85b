import type { Logger } from 'pino'
import type { Ctx } from '../domain/context.js'
import { Periodic } from './periodic.js'

const BATCH = 5000

/** Forgets deliveries delivered longer ago than the retention, hourly; dead letters stay until retried. */
export class OutboxSweepJob extends Periodic {
  constructor(
    private readonly ctx: Ctx,
    private readonly retentionMs: number,
    logger: Logger,
    intervalMs = 3_600_000,
  ) {
    super('outbox sweep', intervalMs, logger)
  }

  /** Returns how many deliveries were deleted. */
  async runOnce(): Promise<number> {
    const before = this.ctx.clock.now() - this.retentionMs
    let total = 0
    for (;;) {
      const n = await this.ctx.store.outbox.sweep(before, BATCH)
      total += n
      if (n < BATCH) return total
    }
  }
}
