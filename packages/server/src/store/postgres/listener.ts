import pg from 'pg'
import type { Logger } from 'pino'
import type { DomainEvent } from '../../domain/events.js'
import { decodeAnnouncement } from '../announcement.js'
import { CHANGES_CHANNEL } from './adapter.js'
import { ACKS_CHANNEL, LISTENER_NAME_PREFIX } from './barrier.js'

export interface ListenerHooks {
  /**
   * Events another instance committed (this instance's own are delivered by its store). `barrier` is
   * set when the committer waits for this instance to acknowledge, once it has applied them.
   */
  remote(events: DomainEvent[], barrier: string | undefined, narrow: boolean): void
  /** This instance's own announcement of a commit with a barrier, heard back (see barrier.ts). */
  echoed(barrier: string): void
  /** A payload heard on ACKS_CHANNEL: a greeting or an acknowledgement (see barrier.ts). */
  acknowledged(payload: string): void
  /**
   * Listening and named, before `up`: the connection is of use only once this resolves (the barrier
   * learns who else listens, and greets them). A rejection counts as a failed attempt to connect.
   */
  listening(): Promise<void>
  /** The connection is lost: changes may go unheard, so nothing cached can be trusted until `up`. */
  down(): void
  /** Listening (again): whatever was announced while down is unknown, so forget everything cached. */
  up(): void
}

export interface ListenerTiming {
  /** The first retry comes after half of this to all of it; each failure doubles it, up to `maxMs`. */
  minMs: number
  maxMs: number
  /**
   * How often the connection is asked a trivial query, and how long an answer may take. A connection
   * whose other end vanished without a word (a dropped NAT entry, a failed-over host) raises no error
   * and delivers nothing: without asking, the instance would trust its caches forever.
   */
  probeEveryMs: number
  probeTimeoutMs: number
}

const TIMING: ListenerTiming = { minMs: 250, maxMs: 10_000, probeEveryMs: 10_000, probeTimeoutMs: 5_000 }

/**
 * One dedicated LISTEN connection per instance, kept up for as long as the instance runs: a lost
 * connection is retried with exponential backoff and jitter, forever. While it is down the instance
 * reports not ready and trusts no cache; announcements sent meanwhile are gone, so a reconnection
 * empties every cache. It hears other instances' commits and the acknowledgements of this instance's
 * revoking commits; it sends nothing itself (acknowledgements go through the pool), so a slow send
 * never holds back what it hears.
 */
export class ChangeListener {
  private client: pg.Client | undefined
  private closed = false
  private attempt = 0
  private timer: NodeJS.Timeout | undefined
  private probeTimer: NodeJS.Timeout | undefined

  private constructor(
    private readonly url: string,
    private readonly instanceId: string,
    private readonly hooks: ListenerHooks,
    private readonly logger: Logger,
    private readonly timing: ListenerTiming,
  ) {}

  /** Connects once (a first failure is an error at start-up), then keeps the connection up. */
  static async start(
    url: string,
    instanceId: string,
    hooks: ListenerHooks,
    logger: Logger,
    timing: Partial<ListenerTiming> = {},
  ) {
    const listener = new ChangeListener(url, instanceId, hooks, logger, { ...TIMING, ...timing })
    await listener.connect()
    return listener
  }

  get connected(): boolean {
    return this.client !== undefined
  }

  private async connect(): Promise<void> {
    // TCP keepalive too: the operating system then also ends a connection whose peer is gone.
    const client = new pg.Client({
      connectionString: this.url,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    })
    client.on('notification', (msg) => {
      if (msg.payload === undefined) return
      if (msg.channel === ACKS_CHANNEL) return this.hooks.acknowledged(msg.payload)
      if (msg.channel !== CHANGES_CHANNEL) return
      const decoded = decodeAnnouncement(msg.payload)
      if (!decoded) return
      if (decoded.instanceId !== this.instanceId)
        this.hooks.remote(decoded.events, decoded.barrier, decoded.narrow)
      else if (decoded.barrier) this.hooks.echoed(decoded.barrier)
    })
    // Lost before it is in use: the attempt fails. After: `lost` reconnects.
    let gone = false
    client.on('error', (err) => {
      gone = true
      this.lost(client, err)
    })
    client.on('end', () => {
      gone = true
      this.lost(client)
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${CHANGES_CHANNEL}`)
      await client.query(`LISTEN ${ACKS_CHANNEL}`)
      // Named only now that it listens: committers wait for the acknowledgement of every connection so
      // named (see barrier.ts), and one named before listening could miss the announcement.
      await client.query('SELECT set_config($1, $2, false)', [
        'application_name',
        `${LISTENER_NAME_PREFIX}${this.instanceId}`,
      ])
      await this.hooks.listening()
      if (gone) throw new Error('the connection was lost while it started listening')
    } catch (err) {
      client.removeAllListeners('end')
      await client.end().catch(() => {})
      throw err
    }
    this.client = client
    this.attempt = 0
    this.probe(client)
    this.hooks.up()
  }

  /** Asks the connection a trivial query now and then; no answer in time counts as a lost connection. */
  private probe(client: pg.Client): void {
    let asking = false
    this.probeTimer = setInterval(() => {
      if (asking || this.client !== client) return
      asking = true
      const silence = setTimeout(() => {
        this.lost(client, new Error(`no answer from PostgreSQL within ${this.timing.probeTimeoutMs} ms`))
      }, this.timing.probeTimeoutMs)
      client
        .query('SELECT 1')
        .catch(() => {}) // an error also ends the connection: `error`/`end` handle it
        .finally(() => {
          clearTimeout(silence)
          asking = false
        })
    }, this.timing.probeEveryMs)
    this.probeTimer.unref()
  }

  private lost(client: pg.Client, err?: unknown): void {
    if (this.client !== client) return
    this.client = undefined
    clearInterval(this.probeTimer)
    this.hooks.down()
    if (this.closed) return
    this.logger.warn({ err }, 'change listener lost its connection; reconnecting')
    void client.end().catch(() => {})
    this.retry()
  }

  private retry(): void {
    if (this.closed) return
    const ceiling = Math.min(this.timing.maxMs, this.timing.minMs * 2 ** this.attempt)
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
    clearInterval(this.probeTimer)
    const client = this.client
    this.client = undefined
    // A connection gone silent would never answer the goodbye: shutdown does not wait on it.
    let giveUp: NodeJS.Timeout | undefined
    await Promise.race([
      client?.end().catch(() => {}),
      new Promise<void>((resolve) => {
        giveUp = setTimeout(resolve, this.timing.probeTimeoutMs)
      }),
    ])
    clearTimeout(giveUp)
  }
}
