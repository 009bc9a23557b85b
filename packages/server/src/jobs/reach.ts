import type { Logger } from 'pino'
import type { Ctx } from '../domain/context.js'
import { type ReachReport, type ReachSettings, reachDue } from '../domain/notify/reach.js'
import { Periodic } from './periodic.js'

/**
 * Runs the reviewer reach rules (pending timeout, escalation, expiring notices) every `intervalMs`
 * (default 30 s) against the injected clock. With several instances one of them scans per interval
 * (a job lease), and each step is claimed in its own transaction anyway (a locked petition, a
 * recorded notice), so nothing happens twice even when leases overlap.
 */
export class ReachJob extends Periodic {
  constructor(
    private readonly ctx: Ctx,
    private readonly settings: ReachSettings,
    logger: Logger,
    /** This instance's id, the holder of the lease. */
    private readonly owner: string,
    private readonly every = 30_000,
  ) {
    super('reach', every, logger)
  }

  async runOnce(): Promise<ReachReport> {
    const now = this.ctx.clock.now()
    const until = now + Math.floor(this.every * 0.9)
    if (!(await this.ctx.store.jobLeases.take('reach', this.owner, now, until))) {
      return { timedOut: 0, escalated: 0, expiring: 0 }
    }
    return reachDue(this.ctx, this.settings)
  }
}
