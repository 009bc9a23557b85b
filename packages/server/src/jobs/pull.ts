import type { Logger } from 'pino'
import { actorOf, type Principal, type SpaceAccess } from '../domain/auth/principal.js'
import type { Ctx } from '../domain/context.js'
import type { WebhookCaller } from '../domain/webhooks/ports.js'
import { pullUpdate } from '../domain/webhooks/pull.js'
import { Periodic } from './periodic.js'

const SCHEDULER: Principal = { type: 'system', name: 'scheduled pullUpdate' }

/**
 * Calls every space's pullUpdate webhooks every `intervalMs` and upserts what they return. A space
 * whose receiver fails is logged and tried again next time; the others go on.
 */
export class PullJob extends Periodic {
  constructor(
    private readonly ctx: Ctx & { webhookCaller: WebhookCaller },
    private readonly log: Logger,
    intervalMs: number,
  ) {
    super('pullUpdate', intervalMs, log)
  }

  /** One round over every space; returns how many resources were upserted. */
  async runOnce(): Promise<number> {
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
