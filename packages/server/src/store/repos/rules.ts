import type { ApprovalRuleInput } from '@openindent/contract'
import type { Kysely } from 'kysely'
import type { RuleRepository, StoredRule } from '../../domain/rules/ports.js'
import { parseJson } from '../json.js'
import type { ApprovalRulesTable, Database } from '../schema.js'

export class RuleRepo implements RuleRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Every rule of a space, lowest priority number first (ties by name). Spaces hold few rules. */
  async all(spaceId: string): Promise<StoredRule[]> {
    const rows = await this.db
      .selectFrom('approval_rules')
      .selectAll()
      .where('space_id', '=', spaceId)
      .orderBy('priority')
      .orderBy('name')
      .execute()
    return rows.map(fromRow)
  }

  async get(spaceId: string, name: string): Promise<StoredRule | undefined> {
    const row = await this.db
      .selectFrom('approval_rules')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('name', '=', name)
      .executeTakeFirst()
    return row && fromRow(row)
  }

  /** Inserts a rule; false when the name is taken. */
  async insert(spaceId: string, name: string, spec: ApprovalRuleInput, now: number): Promise<boolean> {
    const row = await this.db
      .insertInto('approval_rules')
      .values({
        space_id: spaceId,
        name,
        priority: spec.priority,
        spec: JSON.stringify(spec),
        create_time: now,
        update_time: now,
      })
      .onConflict((oc) => oc.columns(['space_id', 'name']).doNothing())
      .returning('name')
      .executeTakeFirst()
    return row !== undefined
  }

  async replace(
    spaceId: string,
    name: string,
    spec: ApprovalRuleInput,
    now: number,
  ): Promise<StoredRule | undefined> {
    const row = await this.db
      .updateTable('approval_rules')
      .set({ priority: spec.priority, spec: JSON.stringify(spec), update_time: now })
      .where('space_id', '=', spaceId)
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst()
    return row && fromRow(row)
  }

  async delete(spaceId: string, name: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('approval_rules')
      .where('space_id', '=', spaceId)
      .where('name', '=', name)
      .executeTakeFirst()
    return Number(r.numDeletedRows) > 0
  }
}

function fromRow(row: ApprovalRulesTable): StoredRule {
  return {
    name: row.name,
    spec: parseJson<ApprovalRuleInput>(row.spec),
    createTime: row.create_time,
    updateTime: row.update_time,
  }
}
