import { randomUUID } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { Logger } from 'pino'
import type { Database } from '../schema.js'
import type { BarrierTicket, CommitBarrier } from '../store.js'

/** The channel on which instances say they listen, and acknowledge commits that took access away. */
export const ACKS_CHANNEL = 'openindent_acks'

/**
 * Each instance names its LISTEN connection `openindent-listener:<instance id>` once it listens, so the
 * instances listening to a database are the rows of `pg_stat_activity` with this prefix. Any role may
 * read `application_name` and `datname` of every session (other columns may be hidden): no privilege
 * is needed.
 */
export const LISTENER_NAME_PREFIX = 'openindent-listener:'

/**
 * How long a commit that took access away waits for the other instances' acknowledgements at most. An
 * instance that has not acknowledged by then (overloaded, or its connection silently gone) still drops
 * its caches when it hears of the commit, and within the cache TTL at the latest.
 */
export const ACK_TIMEOUT_MS = 2000

/** On ACKS_CHANNEL: instance `i` listens (a greeting), or has applied the commit of barrier `b`. */
interface Wire {
  i: string
  b?: string
}

interface Waiter {
  /** This instance's listener has heard the commit's own announcement. */
  echoed: boolean
  acked: Set<string>
  /** Called when the echo or an acknowledgement arrives. */
  wake(): void
}

/**
 * PostgreSQL's CommitBarrier. A commit that takes access away carries a barrier id in its
 * announcement; every other instance, once it has applied the announcement (its caches no longer
 * trust anything read before), acknowledges on ACKS_CHANNEL through an ordinary pooled connection. The
 * committer, after COMMIT and before answering its caller, reads which instances listen and waits for
 * each one's acknowledgement, for ACK_TIMEOUT_MS at most.
 *
 * The list is read after the commit, so it leaves out only instances that started listening after the
 * commit: those empty their caches when they start listening, and read the commit from then on.
 *
 * A single instance pays nothing: no read, no wait. Each instance keeps the ids of the others it knows
 * of: those listening when it started to listen (one read of pg_stat_activity), and those that greet
 * it after (an instance greets once it listens, before it trusts its caches). When it knows of none it
 * skips the read, once its own listener has heard the commit's announcement: notifications arrive in
 * commit order, so by then it has heard every greeting committed before its commit, which is every
 * instance that could have cached what the commit took away. Those it knows of are read again at the
 * next revoking commit, which forgets the ones that have gone.
 */
export class AckBarrier implements CommitBarrier {
  private readonly waiting = new Map<string, Waiter>()
  /** Other instances this one knows of, with the `greetings` count when last heard of. */
  private readonly known = new Map<string, number>()
  private greetings = 0
  /** Listening, and `known` is complete: the shortcut for a lone instance is safe. */
  private hearing = false
  /** Counts lost connections: an echo must come on the connection that was listening at the commit. */
  private losses = 0

  constructor(
    private readonly db: Kysely<Database>,
    private readonly instanceId: string,
    private readonly logger: Logger,
    private readonly timeoutMs = ACK_TIMEOUT_MS,
  ) {}

  open(): BarrierTicket {
    const id = randomUUID()
    const waiter: Waiter = { echoed: false, acked: new Set(), wake: () => {} }
    this.waiting.set(id, waiter)
    return {
      id,
      passed: () => this.wait(id, waiter).finally(() => this.waiting.delete(id)),
      cancel: () => this.waiting.delete(id),
    }
  }

  /**
   * The listener listens (again): learn who else does, then greet them. Awaited before this instance
   * trusts its caches (`up`), so that an instance committing after that is sure to hear of this one.
   */
  async listening(): Promise<void> {
    await this.refresh()
    await this.notify({ i: this.instanceId })
  }

  /** The listener is in use: `known` is complete and stays so while it hears every greeting. */
  up(): void {
    this.hearing = true
  }

  /** The listener lost its connection: greetings may go unheard, so `known` may be incomplete. */
  down(): void {
    this.hearing = false
    this.losses++
  }

  /** This instance has applied the commit announced with `barrier`: tell its committer. */
  acknowledge(barrier: string): void {
    this.notify({ i: this.instanceId, b: barrier }).catch((err: unknown) => {
      this.logger.warn({ err, barrier }, 'could not acknowledge a commit that took access away')
    })
  }

  /** This instance's listener heard its own announcement carrying `barrier`. */
  echoed(barrier: string): void {
    const waiter = this.waiting.get(barrier)
    if (!waiter) return
    waiter.echoed = true
    waiter.wake()
  }

  /** A greeting or an acknowledgement heard on ACKS_CHANNEL (any instance's). */
  received(payload: string): void {
    const w = decode(payload)
    if (!w || w.i === this.instanceId) return
    if (w.b === undefined) {
      this.known.set(w.i, ++this.greetings)
      return
    }
    const waiter = this.waiting.get(w.b)
    if (!waiter) return
    waiter.acked.add(w.i)
    waiter.wake()
  }

  /** The ids of the other instances listening to this database now. */
  async peers(): Promise<string[]> {
    const { rows } = await sql<{ name: string }>`
      SELECT DISTINCT application_name AS name FROM pg_stat_activity
      WHERE datname = current_database() AND starts_with(application_name, ${LISTENER_NAME_PREFIX})`.execute(
      this.db,
    )
    return rows.map((r) => r.name.slice(LISTENER_NAME_PREFIX.length)).filter((id) => id !== this.instanceId)
  }

  /** The other instances this one knows of (see the class comment). */
  knownPeers(): string[] {
    return [...this.known.keys()]
  }

  /** Reads who listens; forgets those gone, except any that greeted while the read was under way. */
  private async refresh(): Promise<string[]> {
    const before = this.greetings
    const peers = await this.peers()
    for (const [id, heard] of this.known) if (heard <= before && !peers.includes(id)) this.known.delete(id)
    for (const id of peers) if (!this.known.has(id)) this.known.set(id, before)
    return peers
  }

  private async wait(id: string, waiter: Waiter): Promise<void> {
    const deadline = Date.now() + this.timeoutMs
    // Alone as far as this instance knows: certain once the same connection has heard its own
    // announcement (see above).
    const losses = this.losses
    const alone = () => this.hearing && this.losses === losses && this.known.size === 0
    if (alone() && (await this.until(waiter, () => waiter.echoed, deadline)) && alone()) return
    let peers: string[]
    try {
      peers = await this.refresh()
    } catch (err) {
      // The commit stands; the caller is told it succeeded, and the instances hear of it as they can.
      this.logger.warn({ err, barrier: id }, 'could not list the other instances to wait for')
      return
    }
    const missing = () => peers.filter((p) => !waiter.acked.has(p))
    if (!(await this.until(waiter, () => missing().length === 0, deadline))) {
      this.logger.warn(
        { barrier: id, instances: missing(), timeoutMs: this.timeoutMs },
        'instances did not acknowledge a commit that took access away in time; they may honour it until they hear of it',
      )
    }
  }

  /** Resolves true once `done()` holds (checked on each wake), false at `deadline`. */
  private until(waiter: Waiter, done: () => boolean, deadline: number): Promise<boolean> {
    if (done()) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))
      waiter.wake = () => {
        if (!done()) return
        clearTimeout(timer)
        resolve(true)
      }
    })
  }

  private async notify(w: Wire): Promise<void> {
    await sql`SELECT pg_notify(${ACKS_CHANNEL}, ${JSON.stringify(w)})`.execute(this.db)
  }
}

function decode(payload: string): Wire | undefined {
  try {
    const w = JSON.parse(payload) as Partial<Wire>
    if (typeof w.i !== 'string' || (w.b !== undefined && typeof w.b !== 'string')) return undefined
    return w.b === undefined ? { i: w.i } : { i: w.i, b: w.b }
  } catch {
    return undefined
  }
}
