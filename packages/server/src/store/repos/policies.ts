import { type Kysely, sql } from 'kysely'
import type { PolicyRepository, RequesterFacts } from '../../domain/policies/ports.js'
import {
  DEFAULT_TIME_ZONE,
  type PolicyChange,
  type PolicyChangeKind,
  type PolicyInput,
  type PolicyMode,
  type PolicyRecord,
  type PolicySetInfo,
} from '../../domain/policies/types.js'
import { parseJson } from '../json.js'
import { decodeRoles } from '../roles.js'
import type { Database, PoliciesTable, PolicyVersionsTable } from '../schema.js'

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

  /** Four independent reads, sent at once (on PostgreSQL over separate pool connections). */
  async facts(
    spaceId: string,
    email: string | undefined,
    identity: string,
    now: number,
  ): Promise<RequesterFacts> {
    const [member, users, open, grant] = await Promise.all([
      email === undefined
        ? undefined
        : this.db
            .selectFrom('members')
            .innerJoin('users', 'users.id', 'members.user_id')
            .select('members.roles')
            .where('members.space_id', '=', spaceId)
            .where('users.email', '=', email)
            .executeTakeFirst(),
      email === undefined
        ? []
        : this.db
            .selectFrom('resources')
            .select('labels')
            .where('space_id', '=', spaceId)
            .where('kind', '=', 'user')
            .where((eb) => eb.or([eb('email', '=', email), eb('id', '=', email)]))
            .orderBy('update_time')
            .execute(),
      this.db
        .selectFrom('petition_subjects as s')
        .innerJoin('petitions as p', (j) =>
          j.onRef('p.space_id', '=', 's.space_id').onRef('p.name', '=', 's.petition'),
        )
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('s.space_id', '=', spaceId)
        .where('s.role', '=', 'petitioner')
        .where('s.subject', '=', identity)
        .where('p.phase', '=', 'open')
        .executeTakeFirst(),
      this.db
        .selectFrom('grants')
        .select('id')
        .where('space_id', '=', spaceId)
        .where('petitioner_key', '=', identity)
        .where('revoke_time', 'is', null)
        .where((eb) => eb.or([eb('expire_time', 'is', null), eb('expire_time', '>', now)]))
        .limit(1)
        .executeTakeFirst(),
    ])
    const userLabels: Record<string, string> = {}
    for (const u of users) Object.assign(userLabels, parseJson<Record<string, string>>(u.labels))
    return {
      roles: member ? decodeRoles(member.roles) : [],
      userLabels,
      openPetitions: Number(open?.n ?? 0),
      hasGrant: grant !== undefined,
    }
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
