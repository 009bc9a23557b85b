import type { Logger } from 'pino'
import type { Ctx } from '../domain/context.js'
import { Periodic } from './periodic.js'

/** Idempotency keys are honoured for a day, as clients retry within minutes. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000

/** Forgets idempotency keys older than a day, hourly. */
export class IdempotencySweepJob extends Periodic {
  constructor(
    private readonly ctx: Ctx,
    logger: Logger,
    intervalMs = 3_600_000,
  ) {
    super('idempotency sweep', intervalMs, logger)
  }

  /** Returns how many keys were deleted. */
  runOnce(): Promise<number> {
    return this.ctx.store.idempotency.deleteOlderThan(this.ctx.clock.now() - IDEMPOTENCY_KEY_TTL_MS)
  }
}
