import { createHash, randomBytes } from 'node:crypto'

/** A random id with a readable prefix, e.g. `tok_5f0c…`. 80 bits of randomness. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(10).toString('hex')}`
}

/** A high-entropy secret for tokens and sign-in codes: 256 bits, base64url. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`
}

export function sha256Hex(input: string): string {
  return createHash('sha256').update(input).digest('hex')
}
