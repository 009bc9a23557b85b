import type { Kysely } from 'kysely'
import {
  chainHash,
  eventBody,
  GENESIS_HASH,
  type NewEvent,
  serializeEvent,
} from '../../domain/audit/types.js'
import { newId } from '../../domain/ids.js'
import { chunks } from '../chunks.js'
import type { Database, Engine, EventResourcesTable, EventsTable } from '../schema.js'
import { type EventFilter, type EventWindow, queryEvents } from './audit-query.js'

export interface StoredEvent {
  seq: number
  hash: string
  prevHash: string
  body: string
}

export class AuditRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  /** Starts a space's chain. Called once, in the transaction that creates the space. */
  async init(spaceId: string): Promise<void> {
    await this.db
      .insertInto('audit_heads')
      .values({ space_id: spaceId, seq: 0, hash: GENESIS_HASH })
      .execute()
  }

  /**
   * Appends events to a space's hash chain. Must run inside a transaction: the chain head is locked
   * (`FOR UPDATE` on PostgreSQL; SQLite's write transaction already excludes other writers), so
   * concurrent writers extend the chain one after another instead of forking it.
   */
  async append(spaceId: string, events: NewEvent[]): Promise<StoredEvent[]> {
    if (events.length === 0) return []
    let q = this.db.selectFrom('audit_heads').select(['seq', 'hash']).where('space_id', '=', spaceId)
    if (this.engine === 'postgres') q = q.forUpdate()
    const head = await q.executeTakeFirstOrThrow()
    let { seq, hash } = head
    const rows: EventsTable[] = []
    const links: EventResourcesTable[] = []
    const stored: StoredEvent[] = []
    for (const e of events) {
      seq += 1
      const id = newId('evt')
      const body = serializeEvent(eventBody(id, e))
      const prevHash = hash
      hash = chainHash(prevHash, seq, body)
      rows.push({
        space_id: spaceId,
        seq,
        id,
        event: e.event,
        actor_kind: e.actor?.kind ?? null,
        actor_id: e.actor?.id ?? e.actor?.email ?? null,
        timestamp: e.timestamp,
        body,
        prev_hash: prevHash,
        hash,
        petition: e.petition ?? null,
      })
      const seen = new Set<string>()
      for (const r of e.resources ?? []) {
        const key = `${r.kind ?? ''}\u0000${r.id ?? ''}`
        if (!r.kind || !r.id || seen.has(key)) continue
        seen.add(key)
        links.push({ space_id: spaceId, kind: r.kind, id: r.id, seq })
      }
      stored.push({ seq, hash, prevHash, body })
    }
    for (const part of chunks(rows)) await this.db.insertInto('events').values(part).execute()
    for (const part of chunks(links)) await this.db.insertInto('event_resources').values(part).execute()
    await this.db.updateTable('audit_heads').set({ seq, hash }).where('space_id', '=', spaceId).execute()
    return stored
  }

  /** Events of a space in chain order, for verification and export. */
  async *scan(spaceId: string, batch = 1000): AsyncGenerator<EventsTable> {
    let after = 0
    for (;;) {
      const rows = await this.db
        .selectFrom('events')
        .selectAll()
        .where('space_id', '=', spaceId)
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(batch)
        .execute()
      yield* rows
      if (rows.length < batch) return
      after = rows[rows.length - 1]?.seq ?? after
    }
  }

  async head(spaceId: string): Promise<{ seq: number; hash: string } | undefined> {
    return this.db
      .selectFrom('audit_heads')
      .select(['seq', 'hash'])
      .where('space_id', '=', spaceId)
      .executeTakeFirst()
  }

  /** A page of a space's events matching `filter`, in seq order (see `queryEvents` for the indexes). */
  list(spaceId: string, filter: EventFilter, window: EventWindow): Promise<EventsTable[]> {
    return queryEvents(this.db, spaceId, filter, window)
  }
}
