import type { Logger } from 'pino'
import { actorOf, type Principal, type SpaceAccess } from '../domain/auth/principal.js'
import type { Ctx } from '../domain/context.js'
import type { WebhookCaller } from '../domain/webhooks/ports.js'
import { pullUpdate } from '../domain/webhooks/pull.js'
import { Periodic } from './periodic.js'

const SCHEDULER: Principal = { type: 'system', name: 'scheduled pullUpdate' }

/**
 * Calls every space's pullUpdate webhooks every `every` ms and upserts what they return. A space
 * whose receiver fails is logged and tried again next time; the others go on.
 */
export class PullJob extends Periodic {
  constructor(
    private readonly ctx: Ctx & { webhookCaller: WebhookCaller },
    private readonly log: Logger,
    private readonly every: number,
    /** This instance's id: with several instances, one of them runs each round. */
    private readonly owner: string,
  ) {
    super('pullUpdate', every, log)
  }

  /**
   * One round over every space; returns how many resources were upserted. Another instance that ran
   * a round less than an interval ago (less a tenth, for timers' drift) holds the lease: then nothing.
   */
  async runOnce(): Promise<number> {
    const now = this.ctx.clock.now()
    const until = now + Math.floor(this.every * 0.9)
    if (!(await this.ctx.store.jobLeases.take('pullUpdate', this.owner, now, until))) return 0
    let total = 0
    let afterName: string | undefined
    for (;;) {
      const spaces = await this.ctx.store.spaces.list({ afterName, limit: 100 })
      for (const space of spaces) {
        if ((await this.ctx.store.webhooks.byHandler(space.id, 'pullUpdate')).length === 0) continue
        const access: SpaceAccess = {
          space,
          roles: ['editor'],
          principal: SCHEDULER,
          actor: actorOf(SCHEDULER),
        }
        try {
          total += (await pullUpdate(this.ctx, access, [], {})).length
        } catch (err) {
          this.log.warn({ err, space: space.name }, 'scheduled pullUpdate failed')
        }
      }
      if (spaces.length < 100) return total
      afterName = spaces[spaces.length - 1]?.name
    }
  }
}
