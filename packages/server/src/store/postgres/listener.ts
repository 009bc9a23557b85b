import pg from 'pg'
import type { Logger } from 'pino'
import type { DomainEvent } from '../../domain/events.js'
import { decodeAnnouncement } from '../announcement.js'
import { CHANGES_CHANNEL } from './adapter.js'

export interface ListenerHooks {
  /** Events another instance committed (this instance's own are delivered by its store). */
  remote(events: DomainEvent[]): void
  /** The connection is lost: changes may go unheard, so nothing cached can be trusted until `up`. */
  down(): void
  /** Listening (again): whatever was announced while down is unknown, so forget everything cached. */
  up(): void
}

const BACKOFF_MIN_MS = 250
const BACKOFF_MAX_MS = 10_000

/**
 * One dedicated LISTEN connection per instance, kept up for as long as the instance runs: a lost
 * connection is retried with exponential backoff and jitter, forever. While it is down the instance
 * reports not ready and trusts no cache; announcements sent meanwhile are gone, so a reconnection
 * empties every cache.
 */
export class ChangeListener {
  private client: pg.Client | undefined
  private closed = false
  private attempt = 0
  private timer: NodeJS.Timeout | undefined

  private constructor(
    private readonly url: string,
    private readonly instanceId: string,
    private readonly hooks: ListenerHooks,
    private readonly logger: Logger,
  ) {}

  /** Connects once (a first failure is an error at start-up), then keeps the connection up. */
  static async start(url: string, instanceId: string, hooks: ListenerHooks, logger: Logger) {
    const listener = new ChangeListener(url, instanceId, hooks, logger)
    await listener.connect()
    return listener
  }

  get connected(): boolean {
    return this.client !== undefined
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url })
    client.on('notification', (msg) => {
      if (msg.channel !== CHANGES_CHANNEL || msg.payload === undefined) return
      const decoded = decodeAnnouncement(msg.payload)
      if (!decoded) return
      if (decoded.instanceId !== this.instanceId) this.hooks.remote(decoded.events)
    })
    client.on('error', (err) => this.lost(client, err))
    client.on('end', () => this.lost(client))
    try {
      await client.connect()
      await client.query(`LISTEN ${CHANGES_CHANNEL}`)
    } catch (err) {
      client.removeAllListeners('end')
      await client.end().catch(() => {})
      throw err
    }
    this.client = client
    this.attempt = 0
    this.hooks.up()
  }

  private lost(client: pg.Client, err?: unknown): void {
    if (this.client !== client) return
    this.client = undefined
    this.hooks.down()
    if (this.closed) return
    this.logger.warn({ err }, 'change listener lost its connection; reconnecting')
    void client.end().catch(() => {})
    this.retry()
  }

  private retry(): void {
    if (this.closed) return
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt)
    this.attempt++
    const delay = ceiling / 2 + Math.random() * (ceiling / 2)
    this.timer = setTimeout(() => {
      this.connect().catch((err: unknown) => {
        this.logger.warn({ err, attempt: this.attempt }, 'change listener could not reconnect; retrying')
        this.retry()
      })
    }, delay)
    this.timer.unref()
  }

  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    const client = this.client
    this.client = undefined
    await client?.end().catch(() => {})
  }
}
