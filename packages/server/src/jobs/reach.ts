import type { Logger } from 'pino'
import type { Ctx } from '../domain/context.js'
import { type ReachReport, type ReachSettings, reachDue } from '../domain/notify/reach.js'
import { Periodic } from './periodic.js'

/**
 * Runs the reviewer reach rules (pending timeout, escalation, expiring notices) every `intervalMs`
 * (default 30 s) against the injected clock. Every instance may run it: each step is claimed in its
 * own transaction (a locked petition, a recorded notice), so nothing happens twice.
 */
export class ReachJob extends Periodic {
  constructor(
    private readonly ctx: Ctx,
    private readonly settings: ReachSettings,
    logger: Logger,
    intervalMs = 30_000,
  ) {
    super('reach', intervalMs, logger)
  }

  runOnce(): Promise<ReachReport> {
    return reachDue(this.ctx, this.settings)
  }
}
