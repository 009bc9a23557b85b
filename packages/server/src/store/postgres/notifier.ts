import pg from 'pg'
import type { Logger } from 'pino'
import { type DecisionNotifier, LocalNotifier } from '../../domain/notifier.js'

const CHANNEL = 'openindent_decisions'
const CHANGES = 'openindent_changes'

/**
 * Decisions across instances: `pg_notify` on publish, and one dedicated LISTEN connection per instance
 * that hands each notification to the local subscribers (this instance's own included). A lost
 * connection is re-established; waiters meanwhile still get their answer when their wait ends.
 */
export class PostgresNotifier implements DecisionNotifier {
  private readonly local = new LocalNotifier()
  private client: pg.Client | undefined
  private closed = false
  private readonly pending = new Set<Promise<unknown>>()

  private constructor(
    private readonly url: string,
    private readonly pool: pg.Pool | undefined,
    private readonly logger: Logger,
  ) {}

  static async start(url: string, logger: Logger): Promise<PostgresNotifier> {
    const n = new PostgresNotifier(url, new pg.Pool({ connectionString: url, max: 2 }), logger)
    await n.connect()
    return n
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url })
    client.on('notification', (msg) => {
      if (msg.channel === CHANNEL && msg.payload) this.local.deliver(msg.payload)
      else if (msg.channel === CHANGES) this.local.changed()
    })
    client.on('error', (err) => {
      this.logger.warn({ err }, 'decision listener connection lost; reconnecting')
      this.client = undefined
      void client.end().catch(() => {})
      if (!this.closed) setTimeout(() => void this.connect().catch(() => {}), 500).unref()
    })
    await client.connect()
    await client.query(`LISTEN ${CHANNEL}`)
    await client.query(`LISTEN ${CHANGES}`)
    // Whatever was announced while the listener was down is unknown: treat it as changed.
    this.local.changed()
    this.client = client
  }

  subscribe(spaceId: string, petition: string, listener: () => void): () => void {
    return this.local.subscribe(spaceId, petition, listener)
  }

  announceChange(): void {
    // Locally at once; the other instances when the notification reaches them.
    this.local.changed()
    const sent = this.pool?.query('SELECT pg_notify($1, $2)', [CHANGES, '']).catch((err: unknown) => {
      this.logger.warn({ err }, 'could not announce a change to other instances')
    })
    if (!sent) return
    // Kept until sent, so a short-lived process (the CLI) does not exit with its notice unsent.
    this.pending.add(sent)
    void sent.finally(() => this.pending.delete(sent))
  }

  onChange(listener: () => void): void {
    this.local.onChange(listener)
  }

  async publish(spaceId: string, petition: string): Promise<void> {
    await this.pool?.query('SELECT pg_notify($1, $2)', [CHANNEL, `${spaceId}:${petition}`])
  }

  async close(): Promise<void> {
    await Promise.all(this.pending)
    this.closed = true
    await this.local.close()
    await this.client?.end().catch(() => {})
    await this.pool?.end().catch(() => {})
  }
}
