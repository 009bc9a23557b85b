import { decodeProtectedHeader } from 'jose'

/**
 * Service-account tokens are JWTs, because Indent's SDK reads the API token's payload (its `sub`)
 * before it creates a petition. The database stays the authority: a token is good while its hash is
 * stored, unexpired and unrevoked, so revoking it (by its `jti`) takes effect at once, and rotating
 * the signing key does not end it. The signature and `iss` let anyone who finds a leaked token tell
 * which instance it belongs to (see README).
 */
export const SERVICE_TOKEN_TYP = 'openindent-sa+jwt'

export interface ServiceTokenClaims {
  /** The token's id, its `jti`: what `DELETE …/tokens/{id}` revokes. */
  tokenId: string
  spaceName: string
  serviceAccount: string
  /** The account's roles when the token was made, space-delimited, as Indent's `scope`. */
  scope: string
  /** Epoch ms. */
  issuedAt: number
  /** Epoch ms; none for a token that lasts until revoked. */
  expiresAt?: number | undefined
}

/** Mints service-account tokens (the instance's token signer). */
export interface ServiceTokenMinter {
  mintServiceToken(claims: ServiceTokenClaims): Promise<string>
}

/** The `sub` of a service account's tokens: its identity, as the audit log names it. */
export const serviceAccountSubject = (name: string) => `openindent.v1.ServiceAccount/${name}`

/** Whether a bearer token is one of our service-account JWTs (by its header; nothing is verified). */
export function isServiceTokenJwt(bearer: string): boolean {
  if (bearer.split('.').length !== 3) return false
  try {
    return decodeProtectedHeader(bearer).typ === SERVICE_TOKEN_TYP
  } catch {
    return false
  }
}
