import { createECDH, createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import type { JWK } from 'jose'

/**
 * Key material for user access tokens: ES256 (ECDSA on P-256) only, the algorithm OpenIndent signs
 * with. Read synchronously so that a bad key is a configuration error at start, naming its setting.
 */
export const SIGNING_ALG = 'ES256'

export class SigningKeyError extends Error {}

/** A private signing key: a JWK (JSON) or a PEM private key (PKCS #8 or SEC 1, as openssl writes). */
export function parsePrivateKey(text: string): JWK {
  const trimmed = text.trim()
  if (trimmed.startsWith('{')) {
    const jwk = parseJson(trimmed)
    if ('keys' in jwk)
      throw new SigningKeyError('is a key set; give one private key (list previous keys separately)')
    if (typeof jwk.d !== 'string')
      throw new SigningKeyError('is a public key; the signing key must be private')
    return fromPrivateJwk(jwk)
  }
  if (!/-----BEGIN (EC )?PRIVATE KEY-----/.test(trimmed))
    throw new SigningKeyError('is neither a JWK nor a PEM-encoded private key')
  const key = keyObject(() => createPrivateKey(trimmed))
  return complete(key.export({ format: 'jwk' }) as JWK, key)
}

/**
 * Keys that only verify (previous signing keys, kept while tokens they signed may still be alive): a
 * JWK set (`{"keys": […]}`, as `GET /v1/auth/keys` serves it), one JWK, or PEM blocks, public or
 * private. Only their public parts are kept.
 */
export function parseVerificationKeys(text: string): JWK[] {
  const trimmed = text.trim()
  if (trimmed === '') return []
  if (trimmed.startsWith('{')) {
    const json = parseJson(trimmed)
    const list = Array.isArray(json.keys) ? (json.keys as unknown[]) : [json]
    return list.map((item, i) => {
      if (item === null || typeof item !== 'object') throw new SigningKeyError(`key ${i} is not a JWK`)
      const jwk = item as JWK
      return toPublic(
        complete(
          jwk,
          keyObject(() => createPublicKey({ key: publicPart(jwk) as never, format: 'jwk' })),
        ),
      )
    })
  }
  const blocks = trimmed.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? []
  if (blocks.length === 0) throw new SigningKeyError('holds neither a JWK set, a JWK nor PEM keys')
  return blocks.map((pem) => {
    const key = keyObject(() => createPublicKey(pem))
    return toPublic(complete(key.export({ format: 'jwk' }) as JWK, key))
  })
}

/**
 * A new private key as a JWK (JSON), for an installation that brings none: stored in the database.
 *
 * Made with ECDH on P-256 (the same scalar and point an ES256 key is), not `generateKeyPairSync`: on
 * Node.js 20, exporting as a JWK a key that `generateKeyPair*` made can deadlock the process for good.
 * The export holds the key's lock while it allocates; a garbage collection then may destroy the
 * finished generation job, which takes the same lock. A loop of the two hung within a few thousand
 * keys here, and one test server hung on it. A key read from its JWK has no such job behind it.
 */
export function generateSigningKey(): string {
  const ecdh = createECDH('prime256v1')
  // Uncompressed point: 0x04, then x and y, 32 bytes each.
  const point = ecdh.generateKeys()
  const jwk: JWK = {
    kty: 'EC',
    crv: 'P-256',
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33, 65).toString('base64url'),
    d: leftPad(ecdh.getPrivateKey(), 32).toString('base64url'),
  }
  return JSON.stringify(fromPrivateJwk(jwk))
}

/** A private JWK read as a key (which checks it) and completed with its `alg` and `kid`. */
function fromPrivateJwk(jwk: JWK): JWK {
  return complete(
    jwk,
    keyObject(() => createPrivateKey({ key: jwk as never, format: 'jwk' })),
  )
}

/** A big-endian number in exactly `size` bytes (the scalar comes without its leading zero bytes). */
function leftPad(bytes: Buffer, size: number): Buffer {
  return bytes.length >= size ? bytes : Buffer.concat([Buffer.alloc(size - bytes.length), bytes])
}

/** The public half of a key, as the JWKS publishes it. */
export function toPublic(jwk: JWK): JWK {
  return { ...publicPart(jwk), kid: jwk.kid ?? '', alg: SIGNING_ALG, use: 'sig' }
}

function publicPart(jwk: JWK): JWK {
  const { kty, crv, x, y } = jwk
  return { kty, crv, x, y } as JWK
}

/**
 * Checks the curve and gives the key its `kid` (the RFC 7638 thumbprint unless one is given): every
 * instance sharing a key names it alike, so a token signed by one verifies at the others.
 */
function complete(jwk: JWK, key: KeyObject): JWK {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new SigningKeyError(`is not an EC P-256 key; ${SIGNING_ALG} needs one`)
  if (jwk.alg !== undefined && jwk.alg !== SIGNING_ALG)
    throw new SigningKeyError(`is for ${jwk.alg}; only ${SIGNING_ALG} is supported`)
  const { kty, crv, x, y } = jwk
  const thumbprint = createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url')
  const out: JWK = { ...jwk, alg: SIGNING_ALG, kid: jwk.kid ?? thumbprint }
  return out
}

function parseJson(text: string): JWK & { keys?: unknown } {
  try {
    const v: unknown = JSON.parse(text)
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as JWK & { keys?: unknown }
  } catch {
    // Reported below, without echoing the text: it may hold a private key.
  }
  throw new SigningKeyError('is not valid JSON')
}

function keyObject(make: () => KeyObject): KeyObject {
  try {
    return make()
  } catch (err) {
    throw new SigningKeyError(`cannot be read as a key (${(err as Error).message})`)
  }
}
