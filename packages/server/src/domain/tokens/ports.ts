import type { TokenRecord } from '../spaces/types.js'

export interface NewToken {
  id: string
  spaceId: string
  serviceAccountId: string
  displayName?: string | undefined
  secretHash: string
  expireTime?: number | undefined
}

/** Service-account tokens (only their hashes) and one-time sign-in codes. */
export interface TokenRepository {
  create(t: NewToken, now: number): Promise<void>
  /** The live token with this secret hash: not revoked, not expired, its account not deleted. */
  findActive(secretHash: string, now: number): Promise<TokenRecord | undefined>
  byId(spaceId: string, id: string): Promise<TokenRecord | undefined>
  list(
    spaceId: string,
    opts: {
      serviceAccountId?: string | undefined
      showRevoked: boolean
      afterId?: string | undefined
      limit: number
    },
  ): Promise<TokenRecord[]>
  /** False when the token was unknown or already revoked. */
  revoke(spaceId: string, id: string, now: number): Promise<boolean>
  createSignInCode(codeHash: string, userId: string, expireTime: number): Promise<void>
  /** Uses a code once; the user id, or undefined when unknown, used or expired. */
  consumeSignInCode(codeHash: string, now: number): Promise<string | undefined>
}
