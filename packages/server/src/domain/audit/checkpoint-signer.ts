import type { webcrypto } from 'node:crypto'
import { importJWK, type JWK, jwtVerify, SignJWT } from 'jose'

type CryptoKey = webcrypto.CryptoKey

const ALG = 'ES256'
/** Its own type and issuer, so a checkpoint never passes for a user token, nor a user token for it. */
export const CHECKPOINT_TYP = 'openindent-checkpoint+jwt'
const ISSUER = 'openindent-audit'

/** What a checkpoint asserts: this chain had this head at this time. */
export interface CheckpointClaims {
  /** The chain id: a space's id, or the instance's. */
  chain: string
  /** The space's name when it was taken; none for the instance log. */
  space?: string
  seq: number
  hash: string
  /** RFC 3339. */
  time: string
}

/**
 * Signs checkpoints with the instance's token-signing key (see signing.ts), as compact
 * JWS. Separate from the user-token signer on purpose: the two must not accept each other's output.
 */
export class CheckpointSigner {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    private readonly kid: string,
  ) {}

  /** `jwk` is the private key the user-token signer signs with. */
  static async fromKey(jwk: JWK): Promise<CheckpointSigner> {
    const { d: _private, ...publicJwk } = jwk
    const privateKey = (await importJWK(jwk, ALG)) as CryptoKey
    const publicKey = (await importJWK(publicJwk, ALG)) as CryptoKey
    return new CheckpointSigner(privateKey, publicKey, jwk.kid ?? '')
  }

  sign(claims: CheckpointClaims): Promise<string> {
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: ALG, kid: this.kid, typ: CHECKPOINT_TYP })
      .setIssuer(ISSUER)
      .sign(this.privateKey)
  }

  /** The claims of a checkpoint this key signed; undefined for anything else. */
  async verify(jws: string): Promise<CheckpointClaims | undefined> {
    try {
      const { payload: p } = await jwtVerify(jws, this.publicKey, {
        issuer: ISSUER,
        algorithms: [ALG],
        typ: CHECKPOINT_TYP,
      })
      if (typeof p.chain !== 'string' || typeof p.seq !== 'number' || typeof p.hash !== 'string')
        return undefined
      if (typeof p.time !== 'string' || (p.space !== undefined && typeof p.space !== 'string'))
        return undefined
      const claims: CheckpointClaims = { chain: p.chain, seq: p.seq, hash: p.hash, time: p.time }
      if (typeof p.space === 'string') claims.space = p.space
      return claims
    } catch {
      return undefined
    }
  }
}
