import type { PolicyChange, PolicyInput, PolicyRecord, PolicySetInfo } from './types.js'

/** What evaluation needs to know about the requester beyond the request itself. */
export interface RequesterFacts {
  /** The member's roles in the space; empty for someone who is not a member. */
  roles: string[]
  /** Labels of uploaded resources of kind `user` with this email, merged (later uploads win). */
  userLabels: Record<string, string>
  /** Open petitions that name this identity as a petitioner. */
  openPetitions: number
  /** Whether a live grant names this identity. */
  hasGrant: boolean
}

/** A petitioner as the store finds them: by email when a person, always by identity. */
export interface Requester {
  email: string | undefined
  identity: string
}

/** Everything an evaluation reads, read at once. */
export interface PolicyInputs {
  info: PolicySetInfo
  /** Per requester, in order; undefined when the space holds no policy (nothing else was read then). */
  facts: RequesterFacts[] | undefined
}

/** A space's Cedar policies, their version and history. */
export interface PolicyRepository {
  info(spaceId: string): Promise<PolicySetInfo>
  /** Every policy of the space, by id. */
  all(spaceId: string): Promise<PolicyRecord[]>
  get(spaceId: string, id: string): Promise<PolicyRecord | undefined>
  /**
   * Bumps the set's version (creating the set on first use) and records the change in the history;
   * returns the new version. Concurrent writers are applied one after the other.
   */
  bump(spaceId: string, change: Omit<PolicyChange, 'version'>, timeZone?: string): Promise<number>
  /** False when the id is taken. */
  insert(spaceId: string, id: string, input: PolicyInput, version: number, now: number): Promise<boolean>
  replace(
    spaceId: string,
    id: string,
    input: PolicyInput,
    version: number,
    now: number,
  ): Promise<PolicyRecord | undefined>
  delete(spaceId: string, id: string): Promise<boolean>
  /** Newest first; `before` pages by version. */
  history(spaceId: string, limit: number, before?: number): Promise<PolicyChange[]>
  /** The set's header and the requesters' facts, in one statement (one round trip on PostgreSQL). */
  inputs(spaceId: string, requesters: readonly Requester[], now: number): Promise<PolicyInputs>
}
