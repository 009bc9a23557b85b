import type { Kysely } from 'kysely'
import type { AuditInputRecord, AuditInputRepository } from '../../domain/audit/inputs-ports.js'
import type { AuditInputsTable, Database } from '../schema.js'

export class AuditInputRepo implements AuditInputRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: AuditInputRecord, secretHash: string): Promise<boolean> {
    const row = await this.db
      .insertInto('audit_inputs')
      .values({
        space_id: input.spaceId,
        name: input.name,
        display_name: input.displayName ?? null,
        secret_hash: secretHash,
        create_time: input.createTime,
        revoke_time: null,
      })
      .onConflict((oc) => oc.columns(['space_id', 'name']).doNothing())
      .returning('name')
      .executeTakeFirst()
    return row !== undefined
  }

  async findActive(secretHash: string): Promise<AuditInputRecord | undefined> {
    const row = await this.db
      .selectFrom('audit_inputs')
      .selectAll()
      .where('secret_hash', '=', secretHash)
      .where('revoke_time', 'is', null)
      .executeTakeFirst()
    return row && fromRow(row)
  }

  async list(spaceId: string, opts: { afterName?: string | undefined; limit: number }) {
    let q = this.db.selectFrom('audit_inputs').selectAll().where('space_id', '=', spaceId)
    if (opts.afterName !== undefined) q = q.where('name', '>', opts.afterName)
    return (await q.orderBy('name').limit(opts.limit).execute()).map(fromRow)
  }

  async revoke(spaceId: string, name: string, now: number): Promise<AuditInputRecord | undefined> {
    const row = await this.db
      .updateTable('audit_inputs')
      .set({ revoke_time: now })
      .where('space_id', '=', spaceId)
      .where('name', '=', name)
      .where('revoke_time', 'is', null)
      .returningAll()
      .executeTakeFirst()
    return row && fromRow(row)
  }
}

function fromRow(row: AuditInputsTable): AuditInputRecord {
  const out: AuditInputRecord = { spaceId: row.space_id, name: row.name, createTime: row.create_time }
  if (row.display_name !== null) out.displayName = row.display_name
  if (row.revoke_time !== null) out.revokeTime = row.revoke_time
  return out
}
