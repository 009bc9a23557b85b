import * as crypto from 'node:crypto'
import { createHash, randomBytes } from 'node:crypto'

/** A random id with a readable prefix, e.g. `tok_5f0c…`. 80 bits of randomness. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(10).toString('hex')}`
}

/** A high-entropy secret for tokens and sign-in codes: 256 bits, base64url. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`
}

/**
 * Node's one-shot `crypto.hash` (20.12+) skips the Hash object a bulk upload otherwise makes twice per
 * resource (its name and its content hash); older 20.x falls back to `createHash`. Same digest.
 */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash

export function sha256Hex(input: string): string {
  return oneShot ? oneShot('sha256', input, 'hex') : createHash('sha256').update(input).digest('hex')
}
