import { randomUUID } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { Logger } from 'pino'
import type { Database } from '../schema.js'
import type { BarrierTicket, CommitBarrier } from '../store.js'

/** The channel on which instances acknowledge commits that took access away. */
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

/** An acknowledgement: instance `i` has applied the commit announced with barrier `b`. */
interface AckWire {
  i: string
  b: string
}

interface Waiter {
  acked: Set<string>
  /** Called on each acknowledgement that arrives while the committer waits. */
  heard(): void
}

/**
 * PostgreSQL's CommitBarrier. A commit that takes access away carries a barrier id in its
 * announcement; every other instance, once it has applied the announcement (its caches no longer
 * trust anything read before), acknowledges on ACKS_CHANNEL through an ordinary pooled connection. The
 * committer, after COMMIT and before answering its caller, reads which instances listen and waits for
 * each one's acknowledgement, for ACK_TIMEOUT_MS at most.
 *
 * The list is read after the commit, so it leaves out only instances that started listening after the
 * commit: those empty their caches when they start listening, and read the commit from then on. A
 * single instance waits for nobody: it pays one read of `pg_stat_activity` per revoking commit.
 */
export class AckBarrier implements CommitBarrier {
  private readonly waiting = new Map<string, Waiter>()

  constructor(
    private readonly db: Kysely<Database>,
    private readonly instanceId: string,
    private readonly logger: Logger,
    private readonly timeoutMs = ACK_TIMEOUT_MS,
  ) {}

  open(): BarrierTicket {
    const id = randomUUID()
    const waiter: Waiter = { acked: new Set(), heard: () => {} }
    this.waiting.set(id, waiter)
    return {
      id,
      passed: () => this.wait(id, waiter).finally(() => this.waiting.delete(id)),
      cancel: () => this.waiting.delete(id),
    }
  }

  /** This instance has applied the commit announced with `barrier`: tell its committer. */
  acknowledge(barrier: string): void {
    const payload = JSON.stringify({ i: this.instanceId, b: barrier } satisfies AckWire)
    sql`SELECT pg_notify(${ACKS_CHANNEL}, ${payload})`.execute(this.db).catch((err: unknown) => {
      this.logger.warn({ err, barrier }, 'could not acknowledge a commit that took access away')
    })
  }

  /** An acknowledgement heard on ACKS_CHANNEL (any instance's: only the committer waits for it). */
  received(payload: string): void {
    const ack = decodeAck(payload)
    const waiter = ack && this.waiting.get(ack.b)
    if (!waiter || !ack) return
    waiter.acked.add(ack.i)
    waiter.heard()
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

  private async wait(id: string, waiter: Waiter): Promise<void> {
    let peers: string[]
    try {
      peers = await this.peers()
    } catch (err) {
      // The commit stands; the caller is told it succeeded, and the instances hear of it as they can.
      this.logger.warn({ err, barrier: id }, 'could not list the other instances to wait for')
      return
    }
    const missing = () => peers.filter((p) => !waiter.acked.has(p))
    if (missing().length === 0) return
    const complete = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), this.timeoutMs)
      waiter.heard = () => {
        if (missing().length > 0) return
        clearTimeout(timer)
        resolve(true)
      }
    })
    if (!complete) {
      this.logger.warn(
        { barrier: id, instances: missing(), timeoutMs: this.timeoutMs },
        'instances did not acknowledge a commit that took access away in time; they may honour it until they hear of it',
      )
    }
  }
}

function decodeAck(payload: string): AckWire | undefined {
  try {
    const w = JSON.parse(payload) as Partial<AckWire>
    return typeof w.i === 'string' && typeof w.b === 'string' ? { i: w.i, b: w.b } : undefined
  } catch {
    return undefined
  }
}
