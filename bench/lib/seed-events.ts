import { type Kysely, sql } from 'kysely'
import {
  chainHash,
  eventBody,
  type NewEvent,
  serializeEvent,
} from '../../packages/server/src/domain/audit/types.js'
import { newId } from '../../packages/server/src/domain/ids.js'
import type { Runtime } from '../../packages/server/src/runtime.js'
import type { Database, Engine } from '../../packages/server/src/store/schema.js'

const COLUMNS = [
  'space_id',
  'seq',
  'id',
  'event',
  'actor_kind',
  'actor_id',
  'timestamp',
  'body',
  'prev_hash',
  'hash',
  'petition',
] as const
const LINK_COLUMNS = ['space_id', 'kind', 'id', 'seq'] as const
const BATCH = 5000

/**
 * Appends events `from`..`to - 1` of `make` to a space's chain with set-wise SQL: each batch of rows
 * goes to the database as one JSON parameter and is inserted with one statement per table (instead of
 * `AuditRepo.append`'s inserts of up to 1,000 rows with one parameter per value). The rows are the
 * ones `append` writes (the same body, resource links and hash chain: `verifyChain` passes on a
 * seeded log, and on one appended to afterwards); only the statements differ. The chain head is moved at the end, so later appends continue the chain.
 */
export async function seedEvents(
  rt: Runtime,
  spaceId: string,
  from: number,
  to: number,
  make: (i: number) => NewEvent,
  progress: (done: number, perSecond: number) => void = () => {},
): Promise<void> {
  const head = await rt.store.audit.head(spaceId)
  if (!head) throw new Error(`no chain for ${spaceId}`)
  let { seq, hash } = head
  const started = performance.now()
  for (let start = from; start < to; start += BATCH) {
    const rows: unknown[][] = []
    const links: unknown[][] = []
    for (let i = start; i < Math.min(to, start + BATCH); i++) {
      const e = make(i)
      seq += 1
      const id = newId('evt')
      const body = serializeEvent(eventBody(id, e))
      const prevHash = hash
      hash = chainHash(prevHash, seq, body)
      const actorId = e.actor?.id ?? e.actor?.email ?? null
      rows.push([
        spaceId,
        seq,
        id,
        e.event,
        e.actor?.kind ?? null,
        actorId,
        e.timestamp,
        body,
        prevHash,
        hash,
        null,
      ])
      const seen = new Set<string>()
      for (const r of e.resources ?? []) {
        const key = `${r.kind}\u0000${r.id}`
        if (!r.kind || !r.id || seen.has(key)) continue
        seen.add(key)
        links.push([spaceId, r.kind, r.id, seq])
      }
    }
    await rt.store.db.transaction().execute(async (tx) => {
      await insertJson(tx, rt.store.engine, 'events', COLUMNS, rows)
      await insertJson(tx, rt.store.engine, 'event_resources', LINK_COLUMNS, links)
      await sql`UPDATE audit_heads SET seq = ${seq}, hash = ${hash} WHERE space_id = ${spaceId}`.execute(tx)
    })
    const done = Math.min(to, start + BATCH) - from
    if ((done / BATCH) % 40 === 0) progress(done, (done / (performance.now() - started)) * 1000)
  }
}

const TYPES: Record<string, string> = { seq: 'bigint', timestamp: 'bigint' }

/** One INSERT … SELECT over a JSON array of rows (json_to_recordset on PostgreSQL, json_each on SQLite). */
async function insertJson(
  db: Kysely<Database>,
  engine: Engine,
  table: string,
  columns: readonly string[],
  rows: unknown[][],
): Promise<void> {
  if (rows.length === 0) return
  const json = JSON.stringify(rows)
  const list = sql.raw(columns.join(', '))
  if (engine === 'postgres') {
    const picks = sql.raw(columns.map((c, i) => `(r->>${i})::${TYPES[c] ?? 'text'}`).join(', '))
    await sql`INSERT INTO ${sql.table(table)} (${list})
      SELECT ${picks} FROM json_array_elements(${json}::json) AS r`.execute(db)
  } else {
    const picks = sql.raw(columns.map((_, i) => `value->>${i}`).join(', '))
    await sql`INSERT INTO ${sql.table(table)} (${list}) SELECT ${picks} FROM json_each(${json})`.execute(db)
  }
}
