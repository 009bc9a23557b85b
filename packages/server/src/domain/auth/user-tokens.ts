import type { webcrypto } from 'node:crypto'
import { decodeProtectedHeader, importJWK, type JWK, jwtVerify, SignJWT } from 'jose'
import type { Clock } from '../clock.js'
import { invalid, unauthenticated } from '../errors.js'
import { newId } from '../ids.js'
import { SIGNING_ALG, toPublic } from './signing-keys.js'

type CryptoKey = webcrypto.CryptoKey

import {
  SERVICE_TOKEN_TYP,
  type ServiceTokenClaims,
  type ServiceTokenMinter,
  serviceAccountSubject,
} from '../tokens/service-token.js'

export { generateSigningKey } from './signing-keys.js'

/** How far ahead of this clock a token's `iat` may be: the clocks of instances differ a little. */
export const CLOCK_SKEW_SECONDS = 60

export interface UserTokenClaims {
  /** The user's email: Indent's SDK reads the petitioner from `sub`. */
  email: string
  userId: string
  /** Epoch ms; set on verified tokens. */
  expiresAt?: number
}

/** A signed token and the id (`jti`) it carries, for the audit log. */
export interface SignedToken {
  token: string
  id: string
  expiresAt: number
}

export interface SignerOptions {
  /** The private key that signs (a JWK with `kid`). */
  current: JWK
  /** Public keys that still verify: previous signing keys, until the tokens they signed have expired. */
  previous: JWK[]
  /** This instance's public URL: the `iss` and the `aud` of its tokens. */
  issuer: string
  /** The longest a token may live (`exp` − `iat`), enforced when signing and when verifying. */
  maxLifetimeSeconds: number
  clock: Clock
}

/**
 * Signs and verifies short-lived user access tokens (JWTs, ES256). A token names this instance as
 * issuer and audience, must expire, may live no longer than the configured maximum, and must not be
 * issued in the future: a token leaked from elsewhere, or minted for another instance with a shared
 * key, or meant to last for ever, is refused.
 */
export class UserTokenSigner implements ServiceTokenMinter {
  private constructor(
    private readonly signingKey: CryptoKey,
    private readonly verifying: ReadonlyMap<string, CryptoKey>,
    /** The public keys, current first: the JWKS served at `/v1/auth/keys`. */
    readonly jwks: readonly JWK[],
    readonly issuer: string,
    readonly maxLifetimeSeconds: number,
    private readonly clock: Clock,
  ) {}

  static async create(o: SignerOptions): Promise<UserTokenSigner> {
    const jwks = [toPublic(o.current), ...o.previous.map(toPublic)]
    const verifying = new Map<string, CryptoKey>()
    for (const jwk of jwks) {
      if (verifying.has(jwk.kid ?? '')) continue
      verifying.set(jwk.kid ?? '', (await importJWK(jwk, SIGNING_ALG)) as CryptoKey)
    }
    const signingKey = (await importJWK(o.current, SIGNING_ALG)) as CryptoKey
    const unique = jwks.filter((k, i) => jwks.findIndex((j) => j.kid === k.kid) === i)
    return new UserTokenSigner(signingKey, verifying, unique, o.issuer, o.maxLifetimeSeconds, o.clock)
  }

  /** The key tokens are signed with now, public half. */
  get publicJwk(): JWK {
    return this.jwks[0] as JWK
  }

  /** The same keys for another issuer: the host's CLI minting for the URL the server announced. */
  withIssuer(issuer: string): UserTokenSigner {
    return new UserTokenSigner(
      this.signingKey,
      this.verifying,
      this.jwks,
      issuer,
      this.maxLifetimeSeconds,
      this.clock,
    )
  }

  /** Signs a token; a lifetime over the maximum is refused (INVALID_ARGUMENT), never shortened silently. */
  async sign(claims: UserTokenClaims, ttlSeconds: number): Promise<string> {
    return (await this.issue(claims, ttlSeconds)).token
  }

  async issue(claims: UserTokenClaims, ttlSeconds: number): Promise<SignedToken> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > this.maxLifetimeSeconds) {
      throw invalid(
        `a user access token lives from 1 s to ${this.maxLifetimeSeconds} s (the configured maximum), not ${ttlSeconds} s`,
        'ttl',
      )
    }
    const now = Math.floor(this.clock.now() / 1000)
    const id = newId('jti')
    const token = await new SignJWT({ uid: claims.userId, email: claims.email })
      .setProtectedHeader({ alg: SIGNING_ALG, kid: this.publicJwk.kid ?? '', typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(this.issuer)
      .setSubject(claims.email)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .setJti(id)
      .sign(this.signingKey)
    return { token, id, expiresAt: (now + ttlSeconds) * 1000 }
  }

  /** A service-account token: a JWT naming this instance, the account and the token id (see service-token.ts). */
  async mintServiceToken(c: ServiceTokenClaims): Promise<string> {
    const jwt = new SignJWT({ scope: c.scope, space: c.spaceName })
      .setProtectedHeader({ alg: SIGNING_ALG, kid: this.publicJwk.kid ?? '', typ: SERVICE_TOKEN_TYP })
      .setIssuer(this.issuer)
      .setAudience(this.issuer)
      .setSubject(serviceAccountSubject(c.serviceAccount))
      .setIssuedAt(Math.floor(c.issuedAt / 1000))
      .setJti(c.tokenId)
    if (c.expiresAt !== undefined) jwt.setExpirationTime(Math.floor(c.expiresAt / 1000))
    return jwt.sign(this.signingKey)
  }

  /**
   * Throws UNAUTHENTICATED for a bad signature, an unknown key, a wrong issuer or audience, a missing
   * or passed expiry, an `iat` in the future, or a lifetime over the maximum.
   */
  async verify(token: string): Promise<UserTokenClaims> {
    let reason = 'the access token is not valid'
    try {
      const { kid } = decodeProtectedHeader(token)
      const key = this.verifying.get(kid ?? '')
      if (!key || !kid) throw new Error('unknown key')
      const now = this.clock.now()
      const { payload } = await jwtVerify(token, key, {
        issuer: this.issuer,
        audience: this.issuer,
        algorithms: [SIGNING_ALG],
        requiredClaims: ['exp', 'iat', 'sub'],
        currentDate: new Date(now),
      })
      const { exp = 0, iat = 0 } = payload
      if (iat > now / 1000 + CLOCK_SKEW_SECONDS) {
        reason = 'the access token was issued in the future'
        throw new Error(reason)
      }
      if (exp - iat > this.maxLifetimeSeconds) {
        reason = 'the access token lives longer than this server allows'
        throw new Error(reason)
      }
      if (typeof payload.sub !== 'string' || typeof payload.uid !== 'string') throw new Error('claims')
      return { email: payload.sub, userId: payload.uid, expiresAt: exp * 1000 }
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_JWT_EXPIRED') reason = 'the access token has expired'
      throw unauthenticated(reason)
    }
  }
}
