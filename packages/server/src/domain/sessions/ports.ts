import type { UserRecord } from '../spaces/types.js'

/** A dashboard session as stored: the hash of its secret, never the secret. */
export interface SessionRecord {
  secretHash: string
  userId: string
  csrfToken: string
  createTime: number
  expireTime: number
}

/** A live session and the person it belongs to, as one read gives them. */
export interface SignedIn {
  session: SessionRecord
  user: UserRecord
}

/** Dashboard sessions, revocable on the server. */
export interface SessionRepository {
  create(s: SessionRecord): Promise<void>
  /** The live session (not revoked, not expired at `now`) with this secret hash, with its user, in one query. */
  findActive(secretHash: string, now: number): Promise<SignedIn | undefined>
  /** False when it was unknown or already revoked. */
  revoke(secretHash: string, now: number): Promise<boolean>
  /**
   * Deletes sessions that expired or were revoked before `before`, at most `limit` of them; returns
   * how many. They can never be used again, so keeping them only grows the table.
   */
  deleteEnded(before: number, limit: number): Promise<number>
}
