import type { Role } from '@openindent/contract'
import { type Kysely, sql } from 'kysely'
import type { PrincipalRepository } from '../../domain/spaces/ports.js'
import type { MemberRecord, ServiceAccountRecord, UserRecord } from '../../domain/spaces/types.js'
import { decodeRoles, encodeRoles } from '../roles.js'
import type { Database, ServiceAccountsTable, UsersTable } from '../schema.js'

/** Users, their memberships of spaces, and service accounts. */
export class PrincipalRepo implements PrincipalRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts the user; false when the email is taken. */
  async createUser(
    u: { id: string; email: string; displayName?: string | undefined; isAdmin: boolean },
    now: number,
  ): Promise<boolean> {
    const row = await this.db
      .insertInto('users')
      .values({
        id: u.id,
        email: u.email,
        display_name: u.displayName ?? null,
        is_admin: u.isAdmin ? 1 : 0,
        create_time: now,
        update_time: now,
      })
      .onConflict((oc) => oc.column('email').doNothing())
      .returning('id')
      .executeTakeFirst()
    return row !== undefined
  }

  async userByEmail(email: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst()
    return row && userFromRow(row)
  }

  async userById(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
    return row && userFromRow(row)
  }

  async memberRoles(spaceId: string, userId: string): Promise<Role[] | undefined> {
    const row = await this.db
      .selectFrom('members')
      .select('roles')
      .where('space_id', '=', spaceId)
      .where('user_id', '=', userId)
      .executeTakeFirst()
    return row && decodeRoles(row.roles)
  }

  async spaceIdsOfUser(userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('members')
      .select('space_id')
      .where('user_id', '=', userId)
      .execute()
    return rows.map((r) => r.space_id)
  }

  async putMember(spaceId: string, userId: string, roles: Role[], now: number): Promise<void> {
    await this.db
      .insertInto('members')
      .values({
        space_id: spaceId,
        user_id: userId,
        roles: encodeRoles(roles),
        create_time: now,
        update_time: now,
      })
      .onConflict((oc) =>
        oc.columns(['space_id', 'user_id']).doUpdateSet({ roles: encodeRoles(roles), update_time: now }),
      )
      .execute()
  }

  async deleteMember(spaceId: string, userId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('members')
      .where('space_id', '=', spaceId)
      .where('user_id', '=', userId)
      .executeTakeFirst()
    return Number(r.numDeletedRows) > 0
  }

  async listMembers(
    spaceId: string,
    opts: { afterEmail?: string | undefined; limit: number },
  ): Promise<MemberRecord[]> {
    let q = this.db
      .selectFrom('members')
      .innerJoin('users', 'users.id', 'members.user_id')
      .selectAll('users')
      .select([
        'members.roles',
        'members.create_time as member_create_time',
        'members.update_time as member_update_time',
      ])
      .where('members.space_id', '=', spaceId)
    if (opts.afterEmail !== undefined) q = q.where('users.email', '>', opts.afterEmail)
    const rows = await q.orderBy('users.email').limit(opts.limit).execute()
    return rows.map((r) => ({
      user: userFromRow(r),
      roles: decodeRoles(r.roles),
      createTime: r.member_create_time,
      updateTime: r.member_update_time,
    }))
  }

  /** Inserts the service account; false when its name is taken in the space. */
  async createServiceAccount(sa: Omit<ServiceAccountRecord, 'createTime'>, now: number): Promise<boolean> {
    const row = await this.db
      .insertInto('service_accounts')
      .values({
        id: sa.id,
        space_id: sa.spaceId,
        name: sa.name,
        display_name: sa.displayName ?? null,
        roles: encodeRoles(sa.roles),
        create_time: now,
        delete_time: null,
      })
      .onConflict((oc) => oc.columns(['space_id', 'name']).doNothing())
      .returning('id')
      .executeTakeFirst()
    return row !== undefined
  }

  async serviceAccountByName(spaceId: string, name: string): Promise<ServiceAccountRecord | undefined> {
    const row = await this.db
      .selectFrom('service_accounts')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('name', '=', name)
      .where('delete_time', 'is', null)
      .executeTakeFirst()
    return row && serviceAccountFromRow(row)
  }

  async listServiceAccounts(spaceId: string, opts: { afterName?: string | undefined; limit: number }) {
    let q = this.db
      .selectFrom('service_accounts')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('delete_time', 'is', null)
    if (opts.afterName !== undefined) q = q.where('name', '>', opts.afterName)
    const rows = await q.orderBy('name').limit(opts.limit).execute()
    return rows.map(serviceAccountFromRow)
  }

  /**
   * Deletes a service account: its name is freed (renamed with its id) and its tokens stop working
   * at once, because token lookups only accept accounts without a delete time.
   */
  async deleteServiceAccount(
    spaceId: string,
    name: string,
    now: number,
  ): Promise<ServiceAccountRecord | undefined> {
    const row = await this.db
      .updateTable('service_accounts')
      // `||`, not concat(): PostgreSQL cannot type a bound parameter passed to its variadic concat("any").
      .set((eb) => ({ delete_time: now, name: sql<string>`${eb.ref('name')} || '~' || ${eb.ref('id')}` }))
      .where('space_id', '=', spaceId)
      .where('name', '=', name)
      .where('delete_time', 'is', null)
      .returningAll()
      .executeTakeFirst()
    return row && { ...serviceAccountFromRow(row), name }
  }
}

export function userFromRow(row: UsersTable): UserRecord {
  const u: UserRecord = {
    id: row.id,
    email: row.email,
    isAdmin: row.is_admin === 1,
    createTime: row.create_time,
  }
  if (row.display_name !== null) u.displayName = row.display_name
  return u
}

export function serviceAccountFromRow(row: ServiceAccountsTable): ServiceAccountRecord {
  const sa: ServiceAccountRecord = {
    id: row.id,
    spaceId: row.space_id,
    name: row.name,
    roles: decodeRoles(row.roles),
    createTime: row.create_time,
  }
  if (row.display_name !== null) sa.displayName = row.display_name
  return sa
}
