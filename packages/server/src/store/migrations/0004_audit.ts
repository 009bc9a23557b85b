import type { Kysely } from 'kysely'

/**
 * The instance's chain (`INSTANCE_CHAIN` in domain/audit/chains.ts; written out here because a
 * migration must not change when the code does), and an index that lets verify read an event's
 * resource rows by seq.
 */
export function audit() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const heads = db as Kysely<{ audit_heads: { space_id: string; seq: number; hash: string } }>
      await heads
        .insertInto('audit_heads')
        .values({ space_id: '_instance', seq: 0, hash: '0'.repeat(64) })
        .execute()
      // event_resources is keyed (kind, id, seq) for queries by resource; verify walks the chain by seq
      // and needs each batch's rows without reading the whole table. Listing kind and id makes the index
      // covering on PostgreSQL (SQLite's WITHOUT ROWID index carries the key anyway).
      await db.schema
        .createIndex('event_resources_seq')
        .on('event_resources')
        .columns(['space_id', 'seq', 'kind', 'id'])
        .execute()
    },
  }
}
