import type { webcrypto } from 'node:crypto'
import { exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, SignJWT } from 'jose'

type CryptoKey = webcrypto.CryptoKey

import type { Clock } from '../clock.js'
import { unauthenticated } from '../errors.js'
import { newId } from '../ids.js'

const ALG = 'ES256'
const ISSUER = 'openindent'

export interface UserTokenClaims {
  /** The user's email: Indent's SDK reads the petitioner from `sub`. */
  email: string
  userId: string
  /** Epoch ms; set on verified tokens. */
  expiresAt?: number
}

/** Key material as stored in settings: one private JWK with its `kid`. */
export async function generateSigningKey(): Promise<string> {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true })
  const jwk = await exportJWK(privateKey)
  return JSON.stringify({ ...jwk, kid: newId('key'), alg: ALG })
}

/** Signs and verifies short-lived user access tokens (JWTs, ES256). */
export class UserTokenSigner {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    readonly publicJwk: JWK,
    private readonly clock: Clock,
  ) {}

  static async fromStored(stored: string, clock: Clock): Promise<UserTokenSigner> {
    const jwk = JSON.parse(stored) as JWK
    const { d: _private, ...publicJwk } = jwk
    const privateKey = (await importJWK(jwk, ALG)) as CryptoKey
    const publicKey = (await importJWK(publicJwk, ALG)) as CryptoKey
    return new UserTokenSigner(privateKey, publicKey, { ...publicJwk, use: 'sig' }, clock)
  }

  async sign(claims: UserTokenClaims, ttlSeconds: number): Promise<string> {
    const now = Math.floor(this.clock.now() / 1000)
    return new SignJWT({ uid: claims.userId, email: claims.email })
      .setProtectedHeader({ alg: ALG, kid: this.publicJwk.kid ?? '', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(claims.email)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .setJti(newId('jti'))
      .sign(this.privateKey)
  }

  /** Throws UNAUTHENTICATED for a bad signature, a wrong issuer or an expired token. */
  async verify(token: string): Promise<UserTokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        issuer: ISSUER,
        algorithms: [ALG],
        currentDate: new Date(this.clock.now()),
      })
      if (typeof payload.sub !== 'string' || typeof payload.uid !== 'string') throw new Error('claims')
      return { email: payload.sub, userId: payload.uid, expiresAt: (payload.exp ?? 0) * 1000 }
    } catch (err) {
      const expired = (err as { code?: string }).code === 'ERR_JWT_EXPIRED'
      throw unauthenticated(expired ? 'the access token has expired' : 'the access token is not valid')
    }
  }
}
