import type { Event } from '@openindent/contract'
import { type Kysely, sql } from 'kysely'
import type {
  AuditLog,
  ChainHead,
  ChainRecord,
  EventFilter,
  EventLink,
  EventWindow,
  GrantRow,
  StoredEvent,
} from '../../domain/audit/ports.js'
import { chainHash, eventBody, GENESIS_HASH, type NewEvent, storedForm } from '../../domain/audit/types.js'
import { newId } from '../../domain/ids.js'
import { chunks } from '../chunks.js'
import type { EngineAdapter } from '../engine.js'
import { integerArray, textArray } from '../postgres/array-literal.js'
import { insertRows } from '../row-insert.js'
import type { Database, EventResourcesTable, EventsTable } from '../schema.js'
import { chainHeads, eventLinks, grantEvents, grantPetitions, grantRows } from './audit-links.js'
import { queryEvents } from './audit-query.js'

let headStatements: { read: string; update: string } | undefined

/**
 * SQLite's read and update of the chain head inside a write transaction, whose lock already excludes
 * other writers (see `append`), as prepared statements.
 */
function headSql(db: Kysely<Database>): { read: string; update: string } {
  headStatements ??= {
    read: db.selectFrom('audit_heads').select(['seq', 'hash']).where('space_id', '=', '').compile().sql,
    update: db.updateTable('audit_heads').set({ seq: 0, hash: '' }).where('space_id', '=', '').compile().sql,
  }
  return headStatements
}

function headRow(row: unknown[] | undefined): { seq: number; hash: string } {
  if (!row) throw new Error('the space has no audit chain')
  return { seq: Number(row[0]), hash: String(row[1]) }
}

const LINKS_PER_STATEMENT = 10_000
/** Links from which an event's body is built while the database writes them (see `append`). */
const MANY_LINKS = 1000

/** SQLite's link insert: `[kind, id, seq]` triples as JSON, the space as a parameter of its own. */
const SQLITE_LINKS =
  'INSERT INTO event_resources (space_id, kind, id, seq) ' +
  'SELECT ?, j.value ->> 0, j.value ->> 1, j.value ->> 2 FROM json_each(?) AS j'

/**
 * The link rows of events whose seqs start at `first`: one per distinct resource an event names. Ids
 * are kept by kind rather than as joined keys: an upload's event names up to 100,000 resources, and a
 * joined string for each cost more than the link's insert.
 */
function linksOf(spaceId: string, events: readonly NewEvent[], first: number): EventResourcesTable[] {
  const links: EventResourcesTable[] = []
  events.forEach((e, i) => {
    const seq = first + i
    const seen = new Map<string, Set<string>>()
    for (const r of e.resources ?? []) {
      if (!r.kind || !r.id) continue
      let ids = seen.get(r.kind)
      if (!ids) {
        ids = new Set()
        seen.set(r.kind, ids)
      }
      if (ids.has(r.id)) continue
      ids.add(r.id)
      links.push({ space_id: spaceId, kind: r.kind, id: r.id, seq })
    }
  })
  return links
}

export class AuditRepo implements AuditLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly adapter: EngineAdapter,
    /** Row statements bypass Kysely, so they are all-or-nothing only inside a write transaction. */
    private readonly transactional = false,
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
    const rowStatement = this.transactional ? this.adapter.rowStatement : undefined
    const heads = rowStatement && headSql(this.db)
    const head = heads
      ? headRow(rowStatement(heads.read).get([spaceId]))
      : await this.adapter
          .lockRows(this.db.selectFrom('audit_heads').select(['seq', 'hash']).where('space_id', '=', spaceId))
          .executeTakeFirstOrThrow()
    // The links first: they need only each event's seq, and PostgreSQL writes them while the events'
    // bodies are built and hashed below (an upload's event names up to 100,000 resources).
    const links = linksOf(spaceId, events, head.seq + 1)
    const linking = this.insertLinks(spaceId, links)
    linking.catch(() => {}) // awaited below, after the events
    // Worth a turn of the event loop, which lets the statements reach the database, only for many.
    if (!rowStatement && links.length >= MANY_LINKS) await new Promise(setImmediate)
    let { seq, hash } = head
    const rows: EventsTable[] = []
    const stored: StoredEvent[] = []
    for (const e of events) {
      seq += 1
      const id = newId('evt')
      const event = eventBody(id, e)
      const { body, value } = storedForm(event)
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
      const record: StoredEvent = { seq, hash, prevHash, event: value }
      if (e.petition !== undefined) record.petition = e.petition
      stored.push(record)
    }
    // A few events per call: on SQLite inside the transaction, one prepared statement run each.
    await insertRows(this.db, this.adapter, this.transactional, 'events', rows)
    await linking
    if (rowStatement && heads) rowStatement(heads.update).run([seq, hash, spaceId])
    else await this.db.updateTable('audit_heads').set({ seq, hash }).where('space_id', '=', spaceId).execute()
    return stored
  }

  /**
   * An upload's event links one row per resource, so each engine gets them in few statements: JSON
   * unnested by `json_each` on SQLite (half the time of a prepared insert run per row), arrays unnested
   * on PostgreSQL (three array parameters instead of 4,000 scalars, see resources' unnestUpsert), all
   * sent at once so that the database runs them back to back.
   */
  private async insertLinks(spaceId: string, links: EventResourcesTable[]): Promise<void> {
    if (links.length === 0) return
    const parts = [...chunks(links, LINKS_PER_STATEMENT)]
    if (this.transactional && this.adapter.rowStatement) {
      const statement = this.adapter.rowStatement(SQLITE_LINKS)
      for (const part of parts) {
        statement.run([spaceId, JSON.stringify(part.map((l) => [l.kind, l.id, l.seq]))])
      }
      return
    }
    if (this.adapter.engine === 'postgres') {
      await Promise.all(
        parts.map((part) =>
          sql`insert into event_resources (space_id, kind, id, seq)
            select ${spaceId}::text, t.kind, t.id, t.seq
            from unnest(${textArray(part.map((l) => l.kind))}::text[], ${textArray(part.map((l) => l.id))}::text[],
              ${integerArray(part.map((l) => l.seq))}::bigint[]) as t(kind, id, seq)`.execute(this.db),
        ),
      )
      return
    }
    for (const part of chunks(links)) await this.db.insertInto('event_resources').values(part).execute()
  }

  /** Events of a space in chain order, for verification and export. */
  async *scan(spaceId: string, batch = 1000): AsyncGenerator<ChainRecord> {
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
      yield* rows.map(toChainRecord)
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
  async list(spaceId: string, filter: EventFilter, window: EventWindow): Promise<ChainRecord[]> {
    return (await queryEvents(this.db, spaceId, filter, window)).map(toChainRecord)
  }

  async petitionEvents(
    spaceId: string,
    petitions: readonly string[],
    opts: { only?: readonly string[]; afterSeq?: number | undefined; limit?: number } = {},
  ): Promise<StoredEvent[]> {
    if (petitions.length === 0) return []
    let q = this.db
      .selectFrom('events')
      .select(['seq', 'hash', 'prev_hash', 'body', 'petition'])
      .where('space_id', '=', spaceId)
      .where('petition', 'in', [...petitions])
    if (opts.only) q = q.where('event', 'in', [...opts.only])
    if (opts.afterSeq !== undefined) q = q.where('seq', '>', opts.afterSeq)
    if (opts.limit !== undefined) q = q.limit(opts.limit)
    // In the order of `events_petition` (space, petition, seq), so the index answers the query
    // whatever the size of the space's log, instead of a walk of the chain.
    const rows = await q.orderBy('petition').orderBy('seq').execute()
    return rows.map(toStoredEvent)
  }

  heads(): Promise<ChainHead[]> {
    return chainHeads(this.db)
  }

  links(
    chain: string,
    range: { after?: number | undefined; through?: number; limit?: number },
  ): Promise<EventLink[]> {
    return eventLinks(this.db, chain, range)
  }

  grantPetitions(chain: string, after: string | undefined, limit: number): Promise<string[]> {
    return grantPetitions(this.db, chain, after, limit)
  }

  grantEvents(chain: string, petitions: readonly string[]): Promise<StoredEvent[]> {
    return grantEvents(this.db, chain, petitions)
  }

  grantRows(chain: string, petitions: readonly string[]): Promise<GrantRow[]> {
    return grantRows(this.db, chain, petitions)
  }
}

/** A stored row as the domain's StoredEvent. */
export function toStoredEvent(
  r: Pick<EventsTable, 'seq' | 'hash' | 'prev_hash' | 'body' | 'petition'>,
): StoredEvent {
  const out: StoredEvent = {
    seq: r.seq,
    hash: r.hash,
    prevHash: r.prev_hash,
    event: JSON.parse(r.body) as Event,
  }
  if (r.petition !== null) out.petition = r.petition
  return out
}

function toChainRecord(row: EventsTable): ChainRecord {
  return {
    seq: row.seq,
    id: row.id,
    event: row.event,
    actorKind: row.actor_kind,
    actorId: row.actor_id,
    timestamp: row.timestamp,
    body: row.body,
    prevHash: row.prev_hash,
    hash: row.hash,
    petition: row.petition,
  }
}
