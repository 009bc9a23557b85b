import type { Kysely } from 'kysely'

/**
 * Petition lists are ordered by creation time, then name (a stable order for keyset pages). The indexes
 * ended at the time, so every page sorted the petitions that share a second (SQLite: a temporary
 * B-tree on each call); with the name in the index, a page is read in order and stops at its size.
 */
export function petitionOrder() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('petitions_phase').execute()
      await db.schema
        .createIndex('petitions_phase')
        .on('petitions')
        .columns(['space_id', 'phase', 'create_time', 'name'])
        .execute()
      await db.schema.dropIndex('petitions_time').execute()
      await db.schema
        .createIndex('petitions_time')
        .on('petitions')
        .columns(['space_id', 'create_time', 'name'])
        .execute()
    },
  }
}
