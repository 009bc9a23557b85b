import type { Logger } from 'pino'

/**
 * A background job that runs once at start and then every `intervalMs`, one pass at a time; a failed
 * pass is logged and the next one runs as planned. `stop` waits for a pass in progress.
 */
export abstract class Periodic {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined
  private stopped = true

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  abstract runOnce(): Promise<unknown>

  /** How long until the next pass; `intervalMs` unless a job knows better (see ExpiryJob). */
  protected async nextDelayMs(): Promise<number> {
    return this.intervalMs
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
      this.running = this.runOnce()
        .catch((err: unknown) => this.logger.error({ err, job: this.name }, 'background job failed'))
        .then(() => this.nextDelayMs())
        .catch((err: unknown) => {
          this.logger.error({ err, job: this.name }, 'background job failed')
          return this.intervalMs
        })
        .then((ms) => this.schedule(ms))
    }, ms)
    this.timer.unref()
  }
}
