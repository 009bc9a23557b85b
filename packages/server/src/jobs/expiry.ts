import type { Logger } from 'pino'
import { SYSTEM_ACTOR } from '../domain/auth/principal.js'
import type { Clock } from '../domain/clock.js'
import type { DecisionNotifier } from '../domain/notifier.js'
import { revokeEvent } from '../domain/petitions/claims.js'
import type { Store } from '../store/store.js'

export interface ExpiryDeps {
  store: Store
  clock: Clock
  notifier: DecisionNotifier
  logger: Logger
}

const BATCH = 500
/** Idempotency keys are honoured for a day, as clients retry within minutes; swept hourly. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000
const SWEEP_EVERY_MS = 3_600_000

/**
 * Revokes grants whose time is up. The database says what is due (so expiry survives restarts), and a
 * conditional update claims each grant, so with several instances each grant is revoked exactly once.
 * Each revoke emits `access/revoke` with the system as actor; a petition with no live grant left moves
 * from `granted` to `revoked`.
 */
export class ExpiryJob {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined
  private stopped = true
  private lastSweep = Number.NEGATIVE_INFINITY

  constructor(
    private readonly deps: ExpiryDeps,
    private readonly intervalMs = 1000,
  ) {}

  /** One pass: revokes everything due at the clock's now. Returns how many grants it revoked. */
  async runOnce(): Promise<number> {
    let total = 0
    for (;;) {
      const now = this.deps.clock.now()
      // Read first: a pass with nothing due writes nothing (a commit would empty every cache).
      const next = await this.deps.store.petitions.nextExpiry()
      if (next === undefined || next > now) return total
      const touched = await this.deps.store.transaction(async (tx) => {
        const due = await tx.petitions.revokeExpired(now, BATCH)
        const petitions = new Map<string, { spaceId: string; name: string }>()
        for (const g of due)
          petitions.set(`${g.spaceId}:${g.petition}`, { spaceId: g.spaceId, name: g.petition })
        for (const { spaceId, name } of petitions.values()) {
          const events = due.filter((g) => g.spaceId === spaceId && g.petition === name)
          await tx.audit.append(
            spaceId,
            events.map((g) => revokeEvent(g, SYSTEM_ACTOR, 'expired', now)),
          )
          if ((await tx.petitions.liveGrantCount(spaceId, name)) === 0) {
            await tx.petitions.transition(spaceId, name, ['granted'], 'revoked', now, {
              outcome: 'revoked',
              reason: 'expired',
            })
          }
        }
        return { count: due.length, petitions: [...petitions.values()] }
      })
      for (const p of touched.petitions) await this.deps.notifier.publish(p.spaceId, p.name)
      total += touched.count
      if (touched.count < BATCH) return total
    }
  }

  /** Forgets idempotency keys older than a day. Returns how many were deleted. */
  async sweepIdempotencyKeys(): Promise<number> {
    const now = this.deps.clock.now()
    this.lastSweep = now
    return this.deps.store.idempotency.deleteOlderThan(now - IDEMPOTENCY_KEY_TTL_MS)
  }

  start(): void {
    this.stopped = false
    this.schedule(0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
  }

  private schedule(ms: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      const sweepDue = this.deps.clock.now() - this.lastSweep >= SWEEP_EVERY_MS
      this.running = this.runOnce()
        .then(() => (sweepDue ? this.sweepIdempotencyKeys() : 0))
        .catch((err: unknown) => this.deps.logger.error({ err }, 'expiry pass failed'))
        .finally(() => this.schedule(this.intervalMs))
    }, ms)
    this.timer.unref()
  }
}
