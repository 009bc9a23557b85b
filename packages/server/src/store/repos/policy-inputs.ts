import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { PolicyInputs, Requester, RequesterFacts } from '../../domain/policies/ports.js'
import { DEFAULT_TIME_ZONE } from '../../domain/policies/types.js'
import { parseJson } from '../json.js'
import { PREPARED } from '../prepared.js'
import { decodeRoles } from '../roles.js'
import type { Database } from '../schema.js'

/** What a row of the statement says: `w` names the fact, `i` the requester it is about. */
const FACT = { set: 0, roles: 1, userLabels: 2, open: 3, grant: 4, hasPolicies: 5 } as const

interface Row {
  w: number | string
  i: number | string
  v: string | null
  t: number | string | null
}

/**
 * The set's header and every requester's facts in one UNION ALL statement: one round trip instead of
 * one per fact, which on PostgreSQL is most of an evaluation's time. The facts' branches are guarded by
 * the space holding a policy, so a space without policies pays one cheap statement, as before.
 */
export async function readPolicyInputs(
  db: Kysely<Database>,
  spaceId: string,
  requesters: readonly Requester[],
  now: number,
): Promise<PolicyInputs> {
  const factBranches: RawBuilder<unknown>[] = []
  for (const [n, r] of requesters.entries()) {
    const i = sql.lit(n)
    if (r.email !== undefined) {
      factBranches.push(
        sql`select ${sql.lit(FACT.roles)}, ${i}, m.roles, 0 from members m join users u on u.id = m.user_id
          where m.space_id = ${spaceId} and u.email = ${r.email}`,
        // Every `user` resource of this person: merged in upload order below. Found by email through
        // the partial index `resources_user_email`, then by id (rows the first found are left out);
        // written as one `or`, SQLite would scan every `user` resource of the space. The kind is a
        // parameter in the second, so that no plan can take it through the partial index (a prepared
        // statement's generic plan on a young table did, and read every `user` row of the space):
        // only the primary key (space, kind, id) answers it.
        sql`select ${sql.lit(FACT.userLabels)}, ${i}, cast(labels as text), update_time from resources
          where space_id = ${spaceId} and kind = 'user' and email = ${r.email}`,
        sql`select ${sql.lit(FACT.userLabels)}, ${i}, cast(labels as text), update_time from resources
          where space_id = ${spaceId} and kind = ${'user'} and id = ${r.email}
          and (email is null or email <> ${r.email})`,
      )
    }
    factBranches.push(
      // The phase is looked up per subject row, by the petition's key: as a join, PostgreSQL without
      // statistics (a young table) scanned every petition of the space for each row.
      sql`select ${sql.lit(FACT.open)}, ${i}, null, (select count(*) from petition_subjects s
          where s.space_id = ${spaceId} and s.role = 'petitioner' and s.subject = ${r.identity}
          and (select p.phase from petitions p where p.space_id = s.space_id and p.name = s.petition) = 'open')`,
      sql`select ${sql.lit(FACT.grant)}, ${i}, null, case when exists (select 1 from grants
          where space_id = ${spaceId} and petitioner_key = ${r.identity} and revoke_time is null
          and (expire_time is null or expire_time > ${now})) then 1 else 0 end`,
    )
  }
  // The facts are read only where the space holds a policy: one test for all of them, which both
  // engines evaluate once (PostgreSQL as a one-time filter over the whole union).
  const branches: RawBuilder<unknown>[] = [
    sql`select ${sql.lit(FACT.set)} as w, 0 as i, time_zone as v, version as t from policy_sets where space_id = ${spaceId}`,
    sql`select * from (select ${sql.lit(FACT.hasPolicies)}, 0, null, 1 union all ${sql.join(factBranches, sql` union all `)}) f
      where exists (select 1 from policies where space_id = ${spaceId})`,
  ]
  const { rows } = await sql<Row>`${sql.raw(PREPARED)} ${sql.join(branches, sql` union all `)}`.execute(db)
  const info = { version: 0, timeZone: DEFAULT_TIME_ZONE }
  let hasPolicies = false
  const facts: RequesterFacts[] = requesters.map(() => ({
    roles: [],
    userLabels: {},
    openPetitions: 0,
    hasGrant: false,
  }))
  const labels: { i: number; at: number; labels: string }[] = []
  for (const row of rows) {
    const w = Number(row.w)
    if (w === FACT.set) {
      info.version = Number(row.t)
      info.timeZone = row.v ?? DEFAULT_TIME_ZONE
      continue
    }
    if (w === FACT.hasPolicies) hasPolicies = true
    const f = facts[Number(row.i)]
    if (!f) continue
    if (w === FACT.roles) f.roles = decodeRoles(row.v ?? '')
    if (w === FACT.userLabels) labels.push({ i: Number(row.i), at: Number(row.t), labels: row.v ?? '{}' })
    if (w === FACT.open) f.openPetitions = Number(row.t ?? 0)
    if (w === FACT.grant) f.hasGrant = Number(row.t) === 1
  }
  // Later uploads win, as labels merged in upload order.
  labels.sort((a, b) => a.at - b.at)
  for (const l of labels) {
    const f = facts[l.i]
    if (f) Object.assign(f.userLabels, parseJson<Record<string, string>>(l.labels))
  }
  return { info, facts: hasPolicies ? facts : undefined }
}
