import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { generateSigningKey } from '../../src/domain/auth/signing-keys.js'
import { runNode } from '../helpers/run-node.js'

const SOURCE = fileURLToPath(new URL('../../src/domain/auth/signing-keys.ts', import.meta.url))

describe('a generated signing key', () => {
  it('is an ES256 key whose halves sign and verify, with a 32-byte scalar and its thumbprint as kid', () => {
    const kids = new Set<string>()
    for (let i = 0; i < 200; i++) {
      const jwk = JSON.parse(generateSigningKey())
      expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' })
      expect(Buffer.from(jwk.d, 'base64url')).toHaveLength(32)
      expect(Buffer.from(jwk.x, 'base64url')).toHaveLength(32)
      expect(Buffer.from(jwk.y, 'base64url')).toHaveLength(32)
      const data = Buffer.from(`message ${i}`)
      const signature = sign('sha256', data, {
        key: createPrivateKey({ key: jwk, format: 'jwk' }),
        dsaEncoding: 'ieee-p1363',
      })
      const { kty, crv, x, y } = jwk
      const publicKey = createPublicKey({ key: { kty, crv, x, y }, format: 'jwk' })
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true)
      kids.add(jwk.kid)
    }
    expect(kids.size).toBe(200)
  })

  // Generating and exporting with `generateKeyPairSync` hung a process within a few thousand keys when
  // garbage collections came often (see generateSigningKey). A hang cannot be timed out from inside the
  // process it blocks, so the loop runs in a child that is killed if it takes too long.
  it('never hangs the process, however often garbage is collected meanwhile', async () => {
    const script = `
      import { generateSigningKey } from ${JSON.stringify(SOURCE)}
      const junk = []
      let n = 0
      for (; n < 10000; n++) {
        generateSigningKey()
        junk.push(new Array(64).fill(n))
        if (junk.length > 500) junk.length = 0
      }
      console.log('generated ' + n)
    `
    const result = await runNode(['--import', 'tsx', '--input-type=module', '-e', script], {
      timeout: 60_000,
      killSignal: 'SIGKILL',
    })
    const output = result.stdout + result.stderr
    expect(result.code, output).toBe(0)
    expect(output).toContain('generated 10000')
  }, 90_000)
})
