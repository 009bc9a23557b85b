/** A write-only way into a space's audit log: a URL whose path holds the secret (Indent's DSN). */
export interface AuditInputRecord {
  spaceId: string
  name: string
  displayName?: string
  createTime: number
  revokeTime?: number
}

export interface AuditInputRepository {
  /** False when the name is taken in the space. */
  create(input: AuditInputRecord, secretHash: string): Promise<boolean>
  /** The live input with this secret hash. */
  findActive(secretHash: string): Promise<AuditInputRecord | undefined>
  list(spaceId: string, opts: { afterName?: string | undefined; limit: number }): Promise<AuditInputRecord[]>
  /** Revokes in one conditional statement; undefined when unknown or already revoked. */
  revoke(spaceId: string, name: string, now: number): Promise<AuditInputRecord | undefined>
}
