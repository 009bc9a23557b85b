import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { Ctx } from '../domain/context.js'
import type { Mailer, MailMessage } from '../domain/notify/ports.js'
import type { WebhookCaller } from '../domain/webhooks/ports.js'
import { afterAttempt, type RetryPolicy } from '../domain/webhooks/retries.js'
import type { AttemptResult, ClaimedDelivery, DeliveryRecord } from '../domain/webhooks/types.js'

export interface OutboxOptions {
  /** This instance's id: it holds the leases it takes. */
  owner: string
  /** How long a claim holds; longer than a call may take, so a live attempt is never taken over. */
  leaseMs: number
  retry: RetryPolicy
  /** Calls in flight at once, per instance. */
  concurrency: number
  /** How often it looks for due deliveries when nothing woke it. */
  pollMs: number
}

/**
 * Delivers the outbox. Commits wake it (`kick`), and it also looks every `pollMs`, so retries that fall
 * due and deliveries left by a stopped instance are found. Each pass claims at most as many deliveries
 * as it has free slots and starts them without waiting: a slow receiver holds one slot, never a pass,
 * and never a request. Our own ~150 lines rather than a job library: the deliveries must be written in
 * the change's own transaction on SQLite as on PostgreSQL, which PostgreSQL-only queues cannot do.
 */
export class OutboxJob {
  private readonly inflight = new Map<string, Promise<void>>()
  private timer: NodeJS.Timeout | undefined
  private passing: Promise<unknown> | undefined
  private again = false
  private stopped = true

  constructor(
    private readonly ctx: Ctx,
    private readonly senders: {
      webhooks: WebhookCaller
      mailer?: Mailer | undefined
      /** Posts or updates a petition's Slack message (see domain/slack/deliver.ts). */
      slack?: ((delivery: DeliveryRecord) => Promise<void>) | undefined
    },
    private readonly opts: OutboxOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false
    this.schedule(0)
  }

  /** Something may be due now (a commit happened): look soon, once the pass in progress ends. */
  kick(): void {
    if (this.stopped) return
    if (this.passing) {
      this.again = true
      return
    }
    this.schedule(0)
  }

  /**
   * Claims what is due and free slots allow, and starts those attempts; returns how many it started.
   * Reads first, so a pass with nothing due writes nothing.
   */
  async runOnce(): Promise<number> {
    const free = this.opts.concurrency - this.inflight.size
    if (free <= 0) return 0
    const now = this.ctx.clock.now()
    if (!(await this.ctx.store.outbox.anyDue(now))) return 0
    const claimed = await this.ctx.store.outbox.claim({
      now,
      limit: free,
      leaseMs: this.opts.leaseMs,
      owner: this.opts.owner,
    })
    for (const c of claimed) {
      const key = `${c.delivery.id}#${c.attempt}`
      const run = this.attempt(c)
        .catch((err: unknown) =>
          this.logger.error({ err, delivery: c.delivery.id }, 'delivery attempt failed'),
        )
        .finally(() => {
          this.inflight.delete(key)
          this.kick()
        })
      this.inflight.set(key, run)
    }
    return claimed.length
  }

  /** Runs passes until nothing is due and no attempt is in flight (tests, with a manual clock). */
  async drain(): Promise<void> {
    for (;;) {
      const started = await this.runOnce()
      if (started === 0 && this.inflight.size === 0) return
      if (this.inflight.size > 0) await Promise.race(this.inflight.values())
    }
  }

  /** Stops looking; waits a little for attempts in flight, whose leases cover the rest. */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.passing
    await Promise.race([Promise.allSettled(this.inflight.values()), sleep(2000, undefined, { ref: false })])
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer)
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.passing = this.runOnce()
        .catch((err: unknown) => this.logger.error({ err, job: 'outbox' }, 'background job failed'))
        .finally(() => {
          this.passing = undefined
          const soon = this.again
          this.again = false
          this.schedule(soon ? 0 : this.opts.pollMs)
        })
    }, ms)
    this.timer.unref()
  }

  private async attempt(c: ClaimedDelivery): Promise<void> {
    const { delivery, attempt, webhook } = c
    const result =
      delivery.channel === 'email'
        ? await this.mail(c)
        : delivery.channel === 'slack'
          ? await this.slack(c)
          : await this.call(c)
    const now = this.ctx.clock.now()
    // A deleted webhook will not come back: no point retrying.
    const gone = delivery.channel === 'webhook' && !webhook
    const policy = gone ? { ...this.opts.retry, maxAttempts: attempt } : this.opts.retry
    const next = afterAttempt(attempt, result, policy, now)
    const kept = await this.ctx.store.outbox.finish(delivery.id, attempt, this.opts.owner, { ...next, now })
    if (!kept) {
      this.logger.warn(
        { delivery: delivery.id, attempt },
        'a delivery attempt outlived its lease; the attempt that took it over decides',
      )
    } else if (next.status === 'dead') {
      this.logger.warn(
        { delivery: delivery.id, webhook: delivery.webhook, error: next.lastError },
        'delivery dead-lettered',
      )
    }
  }

  private async call({ delivery, attempt, webhook }: ClaimedDelivery): Promise<AttemptResult> {
    if (!webhook) return { ok: false, latencyMs: 0, error: 'the webhook was deleted' }
    if (webhook.dryRun) return { ok: true, status: 0, latencyMs: 0 }
    const started = performance.now()
    try {
      const res = await this.senders.webhooks.call(webhook, delivery.body, { id: delivery.id, attempt })
      return res.status >= 200 && res.status < 300
        ? { ok: true, status: res.status, latencyMs: res.latencyMs }
        : {
            ok: false,
            status: res.status,
            latencyMs: res.latencyMs,
            error: `HTTP ${res.status}: ${res.body.slice(0, 300)}`,
          }
    } catch (err) {
      return { ok: false, latencyMs: performance.now() - started, error: (err as Error).message }
    }
  }

  private async slack({ delivery }: ClaimedDelivery): Promise<AttemptResult> {
    const send = this.senders.slack
    if (!send)
      return { ok: false, latencyMs: 0, error: 'Slack is not configured (OPENINDENT_SLACK_BOT_TOKEN)' }
    const started = performance.now()
    try {
      await send(delivery)
      return { ok: true, latencyMs: performance.now() - started }
    } catch (err) {
      return { ok: false, latencyMs: performance.now() - started, error: (err as Error).message }
    }
  }

  private async mail({ delivery }: ClaimedDelivery): Promise<AttemptResult> {
    const { mailer } = this.senders
    if (!mailer) return { ok: false, latencyMs: 0, error: 'email is not configured (OPENINDENT_SMTP_URL)' }
    const started = performance.now()
    try {
      await mailer.send(JSON.parse(delivery.body) as MailMessage)
      return { ok: true, latencyMs: performance.now() - started }
    } catch (err) {
      return { ok: false, latencyMs: performance.now() - started, error: (err as Error).message }
    }
  }
}
