import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLocalJWKSet, decodeProtectedHeader, type JWK, jwtVerify } from 'jose'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { bootstrap } from '../../src/domain/bootstrap.js'
import { ManualClock } from '../../src/domain/clock.js'
import { createApp } from '../../src/http/app.js'
import { openRuntime, type Runtime } from '../../src/runtime.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/databases.js'

const PUBLIC_URL = 'https://access.example.com'

function newPem(): { privatePem: string; publicJwk: JWK } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  // The JWK from a key read back, never from the generated one (see generateSigningKey: on Node.js 20
  // that export can deadlock).
  return { privatePem, publicJwk: createPublicKey(privatePem).export({ format: 'jwk' }) as JWK }
}

describe.each(ENGINES)('signing keys from outside the database, and rotation, on %s', (engine) => {
  let db: TestDatabase
  let dir: string
  const clock = new ManualClock(Date.UTC(2026, 0, 1))
  const first = newPem()
  const second = newPem()
  let adminId: string

  /** A runtime on the one database, as a restarted server would open it with these settings. */
  async function start(
    env: Record<string, string>,
  ): Promise<{ rt: Runtime; get(token: string): Promise<Response> }> {
    const config = loadConfig(
      { databaseUrl: db.databaseUrl, dataDir: db.dataDir },
      { LOG_LEVEL: 'silent', OPENINDENT_PUBLIC_URL: PUBLIC_URL, ...env },
    )
    const rt = await openRuntime(config, { clock, logger: pino({ level: 'silent' }) })
    const app = createApp(rt)
    return {
      rt,
      get: async (token) => app.request('/v1/spaces', { headers: { authorization: `Bearer ${token}` } }),
    }
  }
  const keysOf = async (rt: Runtime) =>
    ((await (await createApp(rt).request('/v1/auth/keys')).json()) as { keys: JWK[] }).keys
  const mint = (rt: Runtime) => rt.signer.sign({ email: 'admin@localhost', userId: adminId }, 3600)

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    dir = mkdtempSync(join(tmpdir(), 'openindent-keys-'))
    const { rt } = await start({})
    await bootstrap(rt, { spaceName: 'default', adminEmail: 'admin@localhost' })
    adminId = (await rt.store.principals.userByEmail('admin@localhost'))?.id ?? ''
    await rt.close()
  })
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true })
    await db.drop()
  })

  it('OPENINDENT_SIGNING_KEY (PEM) signs instead of the stored key, and the JWKS publishes it', async () => {
    const { rt, get } = await start({ OPENINDENT_SIGNING_KEY: first.privatePem })
    try {
      const token = await mint(rt)
      expect((await get(token)).status).toBe(200)
      const keys = await keysOf(rt)
      expect(keys).toHaveLength(1)
      expect(keys[0]).toMatchObject({ x: first.publicJwk.x, y: first.publicJwk.y, alg: 'ES256', use: 'sig' })
      expect(keys[0]).not.toHaveProperty('d')
      expect(decodeProtectedHeader(token).kid).toBe(keys[0]?.kid)
      // Anyone can verify it with the published keys alone.
      const verified = await jwtVerify(token, createLocalJWKSet({ keys }), {
        issuer: PUBLIC_URL,
        audience: PUBLIC_URL,
        currentDate: new Date(clock.now()),
      })
      expect(verified.payload.sub).toBe('admin@localhost')
    } finally {
      await rt.close()
    }
  })

  it('rotation: tokens of the previous key still verify while it is listed, and stop once it is not', async () => {
    const firstFile = join(dir, 'first.pem')
    writeFileSync(firstFile, first.privatePem)
    const before = await start({ OPENINDENT_SIGNING_KEY_FILE: firstFile })
    const old = await mint(before.rt)
    // The previous keys as the running server publishes them: the operator saves its JWKS.
    const previousFile = join(dir, 'previous.jwks')
    writeFileSync(previousFile, JSON.stringify({ keys: await keysOf(before.rt) }))
    await before.rt.close()

    const secondFile = join(dir, 'second.jwk')
    writeFileSync(secondFile, JSON.stringify(generateJwkOf(second.privatePem)))
    const after = await start({
      OPENINDENT_SIGNING_KEY_FILE: secondFile,
      OPENINDENT_PREVIOUS_SIGNING_KEYS_FILE: previousFile,
    })
    try {
      const keys = await keysOf(after.rt)
      expect(keys.map((k) => k.x)).toEqual([second.publicJwk.x, first.publicJwk.x])
      expect((await after.get(old)).status).toBe(200)
      const fresh = await mint(after.rt)
      expect(decodeProtectedHeader(fresh).kid).toBe(keys[0]?.kid)
      expect((await after.get(fresh)).status).toBe(200)
    } finally {
      await after.rt.close()
    }

    // Once the previous key is dropped (after the longest token lifetime), its tokens are refused.
    const later = await start({ OPENINDENT_SIGNING_KEY_FILE: secondFile })
    try {
      expect((await keysOf(later.rt)).map((k) => k.x)).toEqual([second.publicJwk.x])
      expect((await later.get(old)).status).toBe(401)
    } finally {
      await later.rt.close()
    }
  })

  it('moving off the generated key: its published JWKS as previous keys keeps its tokens valid', async () => {
    const generated = await start({})
    const old = await mint(generated.rt)
    const previousFile = join(dir, 'generated.jwks')
    writeFileSync(previousFile, JSON.stringify({ keys: await keysOf(generated.rt) }))
    await generated.rt.close()
    const moved = await start({
      OPENINDENT_SIGNING_KEY: first.privatePem,
      OPENINDENT_PREVIOUS_SIGNING_KEYS_FILE: previousFile,
    })
    try {
      expect((await moved.get(old)).status).toBe(200)
    } finally {
      await moved.rt.close()
    }
    const without = await start({ OPENINDENT_SIGNING_KEY: first.privatePem })
    try {
      expect((await without.get(old)).status).toBe(401)
    } finally {
      await without.rt.close()
    }
  })
})

/** The private JWK of a PEM key (as a key-management tool would export it), without a kid. */
function generateJwkOf(pem: string): JWK {
  return createPrivateKey(pem).export({ format: 'jwk' }) as JWK
}
