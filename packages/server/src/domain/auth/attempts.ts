import { decodeJwt } from 'jose'
import { sha256Hex } from '../ids.js'

/** What is being tried: a bearer token on any route, or a sign-in code at `POST /v1/auth/token`. */
export type AttemptKind = 'bearer' | 'signIn'

/** One try at a credential, by whom (the client's address) and at what (the identity it names). */
export interface Attempt {
  kind: AttemptKind
  /** The client's address, as `clientAddress` reads it (an IPv6 client by its /64). */
  address: string
  /** The identity tried: a JWT's `sub`, or the first characters of an opaque secret; hashed. */
  identity: string
}

/** A limit: `points` failures per `windowSeconds`; past it, refused for `blockSeconds`. */
export interface Limit {
  points: number
  windowSeconds: number
  blockSeconds: number
}

export type AttemptLimits = Record<AttemptKind, { address: Limit; identity: Limit }>

/**
 * Failed attempts allowed before RATE_LIMITED. Secrets are 256-bit and JWTs are signed, so guessing
 * cannot succeed anyway: the limits bound the cost of a flood of guesses, and make it loud. An address
 * shared by many clients (a NAT) shares its allowance, so the per-address limits are generous.
 */
export const ATTEMPT_LIMITS: AttemptLimits = {
  bearer: {
    address: { points: 60, windowSeconds: 60, blockSeconds: 300 },
    identity: { points: 20, windowSeconds: 60, blockSeconds: 300 },
  },
  signIn: {
    address: { points: 10, windowSeconds: 60, blockSeconds: 900 },
    identity: { points: 5, windowSeconds: 60, blockSeconds: 900 },
  },
}

/**
 * Counts failed attempts per client address and per identity, across instances where the store is
 * shared. Only failures are counted and only unverified credentials are checked: a valid, cached
 * token never reaches it.
 */
export interface AttemptLimiter {
  /**
   * Throws RATE_LIMITED while the attempt's address is blocked, whatever the credential: a blocked
   * client must not learn from a 200 which of its guesses was right. Identities are not checked
   * here, so that someone else's failures cannot lock a user out of a credential that is valid.
   */
  admit(attempt: Attempt): Promise<void>
  /** Counts a failure against the address and the identity; throws RATE_LIMITED once either is past its limit. */
  failed(attempt: Attempt): Promise<void>
}

/** The identity a credential names, for counting: never the credential itself. */
export function identityOf(credential: string): string {
  let named: string
  if (/^[\w-]+\.[\w-]+\.[\w-]*$/.test(credential)) {
    try {
      const sub = decodeJwt(credential).sub
      named = typeof sub === 'string' ? `sub:${sub.trim().toLowerCase()}` : 'jwt:nosub'
    } catch {
      named = 'jwt:malformed'
    }
  } else {
    // An opaque secret (oi_sa_…, oi_signin_…): its type and first characters, as far as they identify.
    const m = /^([a-z]+_[a-z]+_)?(.{0,8})/i.exec(credential)
    named = `secret:${m?.[1] ?? ''}${m?.[2] ?? ''}`
  }
  return sha256Hex(named).slice(0, 32)
}
