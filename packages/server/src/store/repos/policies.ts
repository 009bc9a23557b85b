import { type Kysely, sql } from 'kysely'
import type { PolicyInputs, PolicyRepository, Requester } from '../../domain/policies/ports.js'
import {
  DEFAULT_TIME_ZONE,
  type PolicyChange,
  type PolicyChangeKind,
  type PolicyInput,
  type PolicyMode,
  type PolicyRecord,
  type PolicySetInfo,
} from '../../domain/policies/types.js'
import type { Database, PoliciesTable, PolicyVersionsTable } from '../schema.js'
import { readPolicyInputs } from './policy-inputs.js'

export class PolicyRepo implements PolicyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async info(spaceId: string): Promise<PolicySetInfo> {
    const row = await this.db
      .selectFrom('policy_sets')
      .select(['version', 'time_zone'])
      .where('space_id', '=', spaceId)
      .executeTakeFirst()
    return row
      ? { version: Number(row.version), timeZone: row.time_zone }
      : { version: 0, timeZone: DEFAULT_TIME_ZONE }
  }

  async all(spaceId: string): Promise<PolicyRecord[]> {
    const rows = await this.db
      .selectFrom('policies')
      .selectAll()
      .where('space_id', '=', spaceId)
      .orderBy('id')
      .execute()
    return rows.map(fromRow)
  }

  async get(spaceId: string, id: string): Promise<PolicyRecord | undefined> {
    const row = await this.db
      .selectFrom('policies')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('id', '=', id)
      .executeTakeFirst()
    return row && fromRow(row)
  }

  async bump(spaceId: string, change: Omit<PolicyChange, 'version'>, timeZone?: string): Promise<number> {
    // The upsert takes the set's row lock first, so two writers get consecutive versions.
    const row = await this.db
      .insertInto('policy_sets')
      .values({
        space_id: spaceId,
        version: 1,
        time_zone: timeZone ?? DEFAULT_TIME_ZONE,
        update_time: change.time,
      })
      .onConflict((oc) =>
        oc.column('space_id').doUpdateSet({
          version: sql`policy_sets.version + 1`,
          update_time: change.time,
          ...(timeZone === undefined ? {} : { time_zone: timeZone }),
        }),
      )
      .returning('version')
      .executeTakeFirstOrThrow()
    const version = Number(row.version)
    await this.db
      .insertInto('policy_versions')
      .values({
        space_id: spaceId,
        version,
        policy_id: change.policyId,
        change: change.change,
        text: change.text ?? null,
        mode: change.mode ?? null,
        actor: change.actor,
        time: change.time,
      })
      .execute()
    return version
  }

  async insert(
    spaceId: string,
    id: string,
    input: PolicyInput,
    version: number,
    now: number,
  ): Promise<boolean> {
    const row = await this.db
      .insertInto('policies')
      .values({
        space_id: spaceId,
        id,
        text: input.text,
        mode: input.mode,
        description: input.description ?? null,
        version,
        create_time: now,
        update_time: now,
      })
      .onConflict((oc) => oc.columns(['space_id', 'id']).doNothing())
      .returning('id')
      .executeTakeFirst()
    return row !== undefined
  }

  async replace(
    spaceId: string,
    id: string,
    input: PolicyInput,
    version: number,
    now: number,
  ): Promise<PolicyRecord | undefined> {
    const row = await this.db
      .updateTable('policies')
      .set({
        text: input.text,
        mode: input.mode,
        description: input.description ?? null,
        version,
        update_time: now,
      })
      .where('space_id', '=', spaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
    return row && fromRow(row)
  }

  async delete(spaceId: string, id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('policies')
      .where('space_id', '=', spaceId)
      .where('id', '=', id)
      .executeTakeFirst()
    return Number(r.numDeletedRows) > 0
  }

  async history(spaceId: string, limit: number, before?: number): Promise<PolicyChange[]> {
    let q = this.db.selectFrom('policy_versions').selectAll().where('space_id', '=', spaceId)
    if (before !== undefined) q = q.where('version', '<', before)
    const rows = await q.orderBy('version', 'desc').limit(limit).execute()
    return rows.map(changeFromRow)
  }

  inputs(spaceId: string, requesters: readonly Requester[], now: number): Promise<PolicyInputs> {
    return readPolicyInputs(this.db, spaceId, requesters, now)
  }
}

function fromRow(row: PoliciesTable): PolicyRecord {
  return {
    id: row.id,
    text: row.text,
    mode: row.mode as PolicyMode,
    ...(row.description === null ? {} : { description: row.description }),
    version: Number(row.version),
    createTime: Number(row.create_time),
    updateTime: Number(row.update_time),
  }
}

function changeFromRow(row: PolicyVersionsTable): PolicyChange {
  return {
    version: Number(row.version),
    policyId: row.policy_id,
    change: row.change as PolicyChangeKind,
    ...(row.text === null ? {} : { text: row.text }),
    ...(row.mode === null ? {} : { mode: row.mode as PolicyMode }),
    actor: row.actor,
    time: Number(row.time),
  }
}
