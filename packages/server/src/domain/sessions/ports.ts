/** A dashboard session as stored: the hash of its secret, never the secret. */
export interface SessionRecord {
  secretHash: string
  userId: string
  csrfToken: string
  createTime: number
  expireTime: number
}

/** Dashboard sessions, revocable on the server. */
export interface SessionRepository {
  create(s: SessionRecord): Promise<void>
  /** The live session (not revoked, not expired at `now`) with this secret hash. */
  findActive(secretHash: string, now: number): Promise<SessionRecord | undefined>
  /** False when it was unknown or already revoked. */
  revoke(secretHash: string, now: number): Promise<boolean>
}
