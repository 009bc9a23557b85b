import { type Kysely, sql } from 'kysely'

/**
 * An index for finding a person's uploaded `user` resources by email: policy decisions read them for
 * every petitioner, and without it each read scanned every `user` resource of the space. Partial, so
 * uploads of other kinds (customers, accounts: most rows) pay nothing for it.
 */
export function userResources() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createIndex('resources_user_email')
        .on('resources')
        .columns(['space_id', 'email'])
        .where(sql.ref('kind'), '=', 'user')
        .execute()
    },
  }
}
