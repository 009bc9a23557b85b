import type { Kysely } from 'kysely'
import type { TokenRecord } from '../../domain/spaces/types.js'
import type { NewToken, TokenRepository } from '../../domain/tokens/ports.js'
import type { Database, ServiceAccountsTable, TokensTable } from '../schema.js'
import { serviceAccountFromRow } from './principals.js'

/** Service-account tokens (stored only as hashes) and one-time sign-in codes. */
export class TokenRepo implements TokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(t: NewToken, now: number): Promise<void> {
    await this.db
      .insertInto('tokens')
      .values({
        id: t.id,
        space_id: t.spaceId,
        service_account_id: t.serviceAccountId,
        display_name: t.displayName ?? null,
        secret_hash: t.secretHash,
        create_time: now,
        expire_time: t.expireTime ?? null,
        revoke_time: null,
      })
      .execute()
  }

  /** The live token with this secret hash: not revoked, not expired, its account not deleted. */
  async findActive(secretHash: string, now: number): Promise<TokenRecord | undefined> {
    const row = await this.base()
      .where('tokens.secret_hash', '=', secretHash)
      .where('tokens.revoke_time', 'is', null)
      .where('service_accounts.delete_time', 'is', null)
      .where((eb) => eb.or([eb('tokens.expire_time', 'is', null), eb('tokens.expire_time', '>', now)]))
      .executeTakeFirst()
    return row && fromRow(row)
  }

  async byId(spaceId: string, id: string): Promise<TokenRecord | undefined> {
    const row = await this.base()
      .where('tokens.space_id', '=', spaceId)
      .where('tokens.id', '=', id)
      .executeTakeFirst()
    return row && fromRow(row)
  }

  async list(
    spaceId: string,
    opts: {
      serviceAccountId?: string | undefined
      showRevoked: boolean
      afterId?: string | undefined
      limit: number
    },
  ): Promise<TokenRecord[]> {
    let q = this.base()
      .where('tokens.space_id', '=', spaceId)
      .where('service_accounts.delete_time', 'is', null)
    if (opts.serviceAccountId) q = q.where('tokens.service_account_id', '=', opts.serviceAccountId)
    if (!opts.showRevoked) q = q.where('tokens.revoke_time', 'is', null)
    if (opts.afterId !== undefined) q = q.where('tokens.id', '>', opts.afterId)
    const rows = await q.orderBy('tokens.id').limit(opts.limit).execute()
    return rows.map(fromRow)
  }

  /** Revokes in one conditional statement; returns nothing when the token was unknown or already revoked. */
  async revoke(spaceId: string, id: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('tokens')
      .set({ revoke_time: now })
      .where('space_id', '=', spaceId)
      .where('id', '=', id)
      .where('revoke_time', 'is', null)
      .executeTakeFirst()
    return Number(r.numUpdatedRows) > 0
  }

  async createSignInCode(codeHash: string, userId: string, expireTime: number): Promise<void> {
    await this.db
      .insertInto('sign_in_codes')
      .values({ code_hash: codeHash, user_id: userId, expire_time: expireTime, use_time: null })
      .execute()
  }

  /** Uses a sign-in code once: a single conditional update, so two concurrent uses cannot both win. */
  async consumeSignInCode(codeHash: string, now: number): Promise<string | undefined> {
    const row = await this.db
      .updateTable('sign_in_codes')
      .set({ use_time: now })
      .where('code_hash', '=', codeHash)
      .where('use_time', 'is', null)
      .where('expire_time', '>', now)
      .returning('user_id')
      .executeTakeFirst()
    return row?.user_id
  }

  private base() {
    return this.db
      .selectFrom('tokens')
      .innerJoin('service_accounts', 'service_accounts.id', 'tokens.service_account_id')
      .selectAll('tokens')
      .select([
        'service_accounts.id as sa_id',
        'service_accounts.space_id as sa_space_id',
        'service_accounts.name as sa_name',
        'service_accounts.display_name as sa_display_name',
        'service_accounts.roles as sa_roles',
        'service_accounts.create_time as sa_create_time',
        'service_accounts.delete_time as sa_delete_time',
      ])
  }
}

type JoinedRow = TokensTable & {
  sa_id: string
  sa_space_id: string
  sa_name: string
  sa_display_name: string | null
  sa_roles: string
  sa_create_time: number
  sa_delete_time: number | null
}

function fromRow(row: JoinedRow): TokenRecord {
  const sa: ServiceAccountsTable = {
    id: row.sa_id,
    space_id: row.sa_space_id,
    name: row.sa_name,
    display_name: row.sa_display_name,
    roles: row.sa_roles,
    create_time: row.sa_create_time,
    delete_time: row.sa_delete_time,
  }
  const t: TokenRecord = {
    id: row.id,
    spaceId: row.space_id,
    serviceAccount: serviceAccountFromRow(sa),
    createTime: row.create_time,
  }
  if (row.display_name !== null) t.displayName = row.display_name
  if (row.expire_time !== null) t.expireTime = row.expire_time
  if (row.revoke_time !== null) t.revokeTime = row.revoke_time
  return t
}
