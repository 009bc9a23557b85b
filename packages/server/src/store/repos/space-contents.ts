import { type Kysely, sql } from 'kysely'
import type { SpaceContents } from '../../domain/spaces/ports.js'
import type { Database } from '../schema.js'

const TABLES: Record<keyof SpaceContents, keyof Database> = {
  resources: 'resources',
  petitions: 'petitions',
  grants: 'grants',
  members: 'members',
  serviceAccounts: 'service_accounts',
  tokens: 'tokens',
  approvalRules: 'approval_rules',
}

/** Every row a space's deletion removes, counted by table in one statement (revoked and deleted ones too). */
export async function countSpaceContents(db: Kysely<Database>, spaceId: string): Promise<SpaceContents> {
  const counts = Object.entries(TABLES).map(
    ([field, table]) =>
      sql`(SELECT count(*) FROM ${sql.table(table)} WHERE space_id = ${spaceId}) AS ${sql.ref(field)}`,
  )
  const { rows } = await sql<
    Record<keyof SpaceContents, number | string>
  >`SELECT ${sql.join(counts)}`.execute(db)
  const row = rows[0]
  const out = {} as SpaceContents
  for (const field of Object.keys(TABLES) as (keyof SpaceContents)[]) out[field] = Number(row?.[field] ?? 0)
  return out
}
