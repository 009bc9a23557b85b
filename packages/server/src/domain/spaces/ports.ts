import type { Role } from '@openindent/contract'
import type { MemberRecord, ServiceAccountRecord, SpaceRecord, SpaceSettings, UserRecord } from './types.js'

/** How many rows of each kind a space holds: what deleting it destroys. */
export interface SpaceContents {
  resources: number
  petitions: number
  grants: number
  members: number
  serviceAccounts: number
  tokens: number
  approvalRules: number
}

/** Where spaces live. */
export interface SpaceRepository {
  /** False when the name is taken. */
  create(space: { id: string; name: string; displayName?: string | undefined }, now: number): Promise<boolean>
  byName(name: string): Promise<SpaceRecord | undefined>
  byId(id: string): Promise<SpaceRecord | undefined>
  /** Name order; `ids` narrows to those spaces. */
  list(opts: { ids?: string[]; afterName?: string | undefined; limit: number }): Promise<SpaceRecord[]>
  count(): Promise<number>
  update(
    id: string,
    patch: { displayName?: string | undefined; settings?: Partial<SpaceSettings> | undefined },
    now: number,
  ): Promise<SpaceRecord | undefined>
  /** Deletes the space and everything in it but its audit log. */
  delete(id: string): Promise<boolean>
  contents(id: string): Promise<SpaceContents>
}

/** Users, their memberships of spaces, and service accounts. */
export interface PrincipalRepository {
  /** False when the email is taken. */
  createUser(
    u: { id: string; email: string; displayName?: string | undefined; isAdmin: boolean },
    now: number,
  ): Promise<boolean>
  userByEmail(email: string): Promise<UserRecord | undefined>
  userById(id: string): Promise<UserRecord | undefined>
  /** The user's roles in the space; undefined when not a member. */
  memberRoles(spaceId: string, userId: string): Promise<Role[] | undefined>
  spaceIdsOfUser(userId: string): Promise<string[]>
  putMember(spaceId: string, userId: string, roles: Role[], now: number): Promise<void>
  deleteMember(spaceId: string, userId: string): Promise<boolean>
  listMembers(
    spaceId: string,
    opts: { afterEmail?: string | undefined; limit: number },
  ): Promise<MemberRecord[]>
  /** False when the name is taken in the space. */
  createServiceAccount(sa: Omit<ServiceAccountRecord, 'createTime'>, now: number): Promise<boolean>
  serviceAccountByName(spaceId: string, name: string): Promise<ServiceAccountRecord | undefined>
  listServiceAccounts(
    spaceId: string,
    opts: { afterName?: string | undefined; limit: number },
  ): Promise<ServiceAccountRecord[]>
  /** Marks it deleted (its tokens stop working with the same commit); undefined when unknown. */
  deleteServiceAccount(spaceId: string, name: string, now: number): Promise<ServiceAccountRecord | undefined>
}
