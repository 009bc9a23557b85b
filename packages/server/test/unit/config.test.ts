import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, isAbsolute, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type Config, ConfigError, loadConfig } from '../../src/config.js'

function configError(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('the settings were accepted')
}

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    const c = loadConfig({}, {})
    expect(c.port).toBe(4100)
    expect(c.host).toBe('127.0.0.1')
    expect(c.space).toBe('default')
    expect(c.databaseUrl).toBeUndefined()
    expect(isAbsolute(c.dataDir)).toBe(true)
    expect(basename(c.dataDir)).toBe('.openindent')
    expect(c.adminEmail).toBe('admin@localhost')
    expect(c.validateResponses).toBe(false)
  })

  it('does not read process.env when given an environment', () => {
    const saved = process.env.PORT
    process.env.PORT = '5999'
    try {
      expect(loadConfig({}, {}).port).toBe(4100)
    } finally {
      if (saved === undefined) delete process.env.PORT
      else process.env.PORT = saved
    }
  })

  it('reads the environment, and flags beat it', () => {
    const env = {
      PORT: '5000',
      OPENINDENT_SPACE: 'from-env',
      OPENINDENT_DATA_DIR: '/tmp/from-env',
      DATABASE_URL: 'postgres://env@localhost/db',
    }
    const fromEnv = loadConfig({}, env)
    expect(fromEnv).toMatchObject({
      port: 5000,
      space: 'from-env',
      dataDir: '/tmp/from-env',
      databaseUrl: 'postgres://env@localhost/db',
    })

    const fromFlags = loadConfig(
      {
        port: 6000,
        space: 'from-flag',
        dataDir: '/tmp/from-flag',
        databaseUrl: 'postgresql://flag@localhost/db',
      },
      env,
    )
    expect(fromFlags).toMatchObject({
      port: 6000,
      space: 'from-flag',
      dataDir: '/tmp/from-flag',
      databaseUrl: 'postgresql://flag@localhost/db',
    })
    expect(loadConfig({ port: '7000', space: undefined }, env)).toMatchObject({
      port: 7000,
      space: 'from-env',
    })
  })

  it('treats an empty environment variable as unset', () => {
    expect(loadConfig({}, { PORT: '', DATABASE_URL: '' })).toMatchObject({
      port: 4100,
      databaseUrl: undefined,
    })
  })

  it('rejects a non-PostgreSQL DATABASE_URL, naming the variable', () => {
    const err = configError(() => loadConfig({}, { DATABASE_URL: 'mysql://root@localhost/db' }))
    expect(err.message).toContain('DATABASE_URL')
  })

  it('rejects a PORT that is not a number, naming the variable', () => {
    const err = configError(() => loadConfig({}, { PORT: 'abc' }))
    expect(err.message).toContain('PORT')
    expect(err.message).not.toContain('DATABASE_URL')
    expect(configError(() => loadConfig({}, { PORT: '70000' })).message).toContain('PORT')
  })

  it('rejects an invalid space name, naming the variable', () => {
    expect(configError(() => loadConfig({}, { OPENINDENT_SPACE: 'Not_Valid' })).message).toContain(
      'OPENINDENT_SPACE',
    )
  })

  it('publishes checkpoints only when told where, hourly unless told otherwise', () => {
    expect(loadConfig({}, {})).toMatchObject({
      checkpointFile: undefined,
      checkpointUrl: undefined,
      checkpointEveryMs: 3_600_000,
    })
    const c = loadConfig(
      {},
      {
        OPENINDENT_CHECKPOINT_FILE: 'checkpoints.ndjson',
        OPENINDENT_CHECKPOINT_URL: 'https://witness.example.com/openindent',
        OPENINDENT_CHECKPOINT_EVERY: '15m',
      },
    )
    expect(isAbsolute(c.checkpointFile ?? '')).toBe(true)
    expect(basename(c.checkpointFile ?? '')).toBe('checkpoints.ndjson')
    expect(c).toMatchObject({
      checkpointUrl: 'https://witness.example.com/openindent',
      checkpointEveryMs: 900_000,
    })
  })

  it('rejects a checkpoint URL that is not http(s) and an interval under a second, naming the variable', () => {
    for (const url of ['ftp://example.com/x', 'not a url', '/relative'])
      expect(configError(() => loadConfig({}, { OPENINDENT_CHECKPOINT_URL: url })).message).toContain(
        'OPENINDENT_CHECKPOINT_URL',
      )
    for (const every of ['0s', '10ms', 'hourly', '-1h'])
      expect(configError(() => loadConfig({}, { OPENINDENT_CHECKPOINT_EVERY: every })).message).toContain(
        'OPENINDENT_CHECKPOINT_EVERY',
      )
  })

  it('refuses durations finer than a millisecond, naming the variable', () => {
    expect(configError(() => loadConfig({}, { OPENINDENT_DENIAL_WINDOW: '1.5ms' })).message).toContain(
      'OPENINDENT_DENIAL_WINDOW',
    )
    expect(configError(() => loadConfig({}, { OPENINDENT_MAX_CHECK_WAIT: '1ns' })).message).toContain(
      'OPENINDENT_MAX_CHECK_WAIT',
    )
    expect(loadConfig({}, { OPENINDENT_DENIAL_WINDOW: '1.1s' }).denialWindowMs).toBe(1100)
  })

  it('refuses an admin email that is not a plain address, naming the variable; stores it lower-case', () => {
    for (const bad of ['../../admin@localhost', 'admin@@localhost', 'a/b@example.com', 'admin@local..host']) {
      expect(configError(() => loadConfig({}, { OPENINDENT_ADMIN_EMAIL: bad })).message).toContain(
        'OPENINDENT_ADMIN_EMAIL',
      )
    }
    expect(loadConfig({}, { OPENINDENT_ADMIN_EMAIL: ' Ops@Example.com ' }).adminEmail).toBe('ops@example.com')
  })

  it('defaults the public URL to http://localhost:<port>, trims a trailing slash, refuses non-HTTP URLs', () => {
    expect(loadConfig({ port: 5000 }, {})).toMatchObject({
      publicUrl: 'http://localhost:5000',
      publicUrlSet: false,
    })
    expect(loadConfig({}, { OPENINDENT_PUBLIC_URL: 'https://a.example.com/openindent/' })).toMatchObject({
      publicUrl: 'https://a.example.com/openindent',
      publicUrlSet: true,
    })
    for (const bad of [
      'a.example.com',
      'ftp://a.example.com',
      'https://a.example.com/?x=1',
      'https://u:p@a.example.com',
    ]) {
      expect(configError(() => loadConfig({}, { OPENINDENT_PUBLIC_URL: bad })).message).toContain(
        'OPENINDENT_PUBLIC_URL',
      )
    }
  })

  it('reads the user-token maximum lifetime (default 24h) in whole seconds from 1m to 720h', () => {
    expect(loadConfig({}, {}).userTokenMaxLifetimeSeconds).toBe(86_400)
    expect(loadConfig({}, { OPENINDENT_USER_TOKEN_MAX_LIFETIME: '90m' }).userTokenMaxLifetimeSeconds).toBe(
      5400,
    )
    for (const bad of ['30s', '721h', '1.5s', 'forever', '-1h']) {
      expect(
        configError(() => loadConfig({}, { OPENINDENT_USER_TOKEN_MAX_LIFETIME: bad })).message,
      ).toContain('OPENINDENT_USER_TOKEN_MAX_LIFETIME')
    }
  })

  it('reads OPENINDENT_TRUST_PROXY as a number of proxies', () => {
    expect(loadConfig({}, {}).trustProxy).toBe(0)
    expect(loadConfig({}, { OPENINDENT_TRUST_PROXY: 'true' }).trustProxy).toBe(1)
    expect(loadConfig({}, { OPENINDENT_TRUST_PROXY: '2' }).trustProxy).toBe(2)
    expect(configError(() => loadConfig({}, { OPENINDENT_TRUST_PROXY: 'yes' })).message).toContain(
      'OPENINDENT_TRUST_PROXY',
    )
  })

  it('reads signing keys from the environment or files, and refuses wrong ones without echoing them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openindent-config-'))
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const pem = ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string
    const file = join(dir, 'key.pem')
    writeFileSync(file, pem)
    const fromEnv = loadConfig({}, { OPENINDENT_SIGNING_KEY: pem }).signingKey
    expect(fromEnv).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' })
    expect(fromEnv?.kid).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(loadConfig({}, { OPENINDENT_SIGNING_KEY_FILE: file }).signingKey?.kid).toBe(fromEnv?.kid)

    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    })
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    })
    // From the key read back, not the generated one (see generateSigningKey: that export can deadlock).
    const publicOnly = JSON.stringify(createPublicKey(pem).export({ format: 'jwk' }))
    for (const [env, name] of [
      [{ OPENINDENT_SIGNING_KEY: String(rsa) }, 'OPENINDENT_SIGNING_KEY'],
      [{ OPENINDENT_SIGNING_KEY: String(p384) }, 'OPENINDENT_SIGNING_KEY'],
      [{ OPENINDENT_SIGNING_KEY: publicOnly }, 'OPENINDENT_SIGNING_KEY'],
      [{ OPENINDENT_SIGNING_KEY: '{"kty":"EC"' }, 'OPENINDENT_SIGNING_KEY'],
      [{ OPENINDENT_SIGNING_KEY: 'secret' }, 'OPENINDENT_SIGNING_KEY'],
      [{ OPENINDENT_SIGNING_KEY_FILE: join(dir, 'missing.pem') }, 'OPENINDENT_SIGNING_KEY_FILE'],
      [{ OPENINDENT_SIGNING_KEY: pem, OPENINDENT_SIGNING_KEY_FILE: file }, 'OPENINDENT_SIGNING_KEY'],
      [
        { OPENINDENT_PREVIOUS_SIGNING_KEYS_FILE: join(dir, 'missing.jwks') },
        'OPENINDENT_PREVIOUS_SIGNING_KEYS_FILE',
      ],
    ] as [Record<string, string>, string][]) {
      const err = configError(() => loadConfig({}, env))
      expect(err.message).toContain(name)
      expect(err.message).not.toContain('PRIVATE KEY')
    }
    // Previous keys: a JWK set, public or private PEM blocks; only public parts are kept.
    const jwks = join(dir, 'previous.jwks')
    writeFileSync(jwks, JSON.stringify({ keys: [ec.publicKey.export({ format: 'jwk' })] }))
    expect(loadConfig({}, { OPENINDENT_PREVIOUS_SIGNING_KEYS_FILE: jwks }).previousSigningKeys).toHaveLength(
      1,
    )
    const pems = join(dir, 'previous.pem')
    writeFileSync(pems, `${pem}\n${ec.publicKey.export({ type: 'spki', format: 'pem' })}`)
    const previous = loadConfig({}, { OPENINDENT_PREVIOUS_SIGNING_KEYS_FILE: pems }).previousSigningKeys
    expect(previous).toHaveLength(2)
    for (const k of previous) expect(k).not.toHaveProperty('d')
  })

  it('refuses a request timeout no longer than the longest approval-check hold', () => {
    expect(loadConfig({}, {}).requestTimeoutMs).toBe(60_000)
    const err = configError(() => loadConfig({}, { OPENINDENT_REQUEST_TIMEOUT: '30s' }))
    expect(err.message).toContain('OPENINDENT_REQUEST_TIMEOUT')
    expect(err.message).toContain('OPENINDENT_MAX_CHECK_WAIT')
    expect(
      loadConfig({}, { OPENINDENT_REQUEST_TIMEOUT: '10s', OPENINDENT_MAX_CHECK_WAIT: '5s' }).requestTimeoutMs,
    ).toBe(10_000)
  })

  it('reads the outbox settings, and refuses a lease no longer than a webhook call may take', () => {
    expect(loadConfig({}, {}).outbox).toEqual({
      allowMetadataUrls: false,
      callTimeoutMs: 10_000,
      leaseMs: 60_000,
      maxAttempts: 10,
      retryBaseMs: 1000,
      retryMaxMs: 3_600_000,
      concurrency: 16,
      pollMs: 500,
      pullEveryMs: 3_600_000,
      retentionMs: 720 * 3_600_000,
      decisionTimeoutMs: 3000,
    })
    const c = loadConfig(
      {},
      {
        OPENINDENT_WEBHOOK_ALLOW_METADATA: 'true',
        OPENINDENT_OUTBOX_MAX_ATTEMPTS: '3',
        OPENINDENT_OUTBOX_RETRY_BASE: '250ms',
        OPENINDENT_PULL_EVERY: '0s',
      },
    )
    expect(c.outbox).toMatchObject({
      allowMetadataUrls: true,
      maxAttempts: 3,
      retryBaseMs: 250,
      pullEveryMs: 0,
    })
    expect(c.outbox.decisionTimeoutMs).toBe(3000)
    expect(loadConfig({}, { OPENINDENT_DECISION_TIMEOUT: '250ms' }).outbox.decisionTimeoutMs).toBe(250)
    expect(configError(() => loadConfig({}, { OPENINDENT_DECISION_TIMEOUT: '2m' })).message).toContain(
      'OPENINDENT_DECISION_TIMEOUT',
    )
    const err = configError(() => loadConfig({}, { OPENINDENT_OUTBOX_LEASE: '5s' }))
    expect(err.message).toContain('OPENINDENT_OUTBOX_LEASE')
    expect(err.message).toContain('OPENINDENT_WEBHOOK_TIMEOUT')
    expect(configError(() => loadConfig({}, { OPENINDENT_OUTBOX_MAX_ATTEMPTS: '0' })).message).toContain(
      'OPENINDENT_OUTBOX_MAX_ATTEMPTS',
    )
  })

  it('reads the SMTP URL (smtp:// or smtps:// only) and the from address', () => {
    expect(loadConfig({}, {}).smtpUrl).toBeUndefined()
    const c = loadConfig(
      {},
      { OPENINDENT_SMTP_URL: 'smtps://u:p@mail.example.com:465', OPENINDENT_SMTP_FROM: 'a@b.c' },
    )
    expect([c.smtpUrl, c.smtpFrom]).toEqual(['smtps://u:p@mail.example.com:465', 'a@b.c'])
    expect(
      configError(() => loadConfig({}, { OPENINDENT_SMTP_URL: 'http://mail.example.com' })).message,
    ).toContain('OPENINDENT_SMTP_URL')
  })

  it('reads the Slack app (token and signing secret together; API URL ends in a slash), and never echoes them', () => {
    expect(loadConfig({}, {}).slack).toBeUndefined()
    const c = loadConfig(
      {},
      {
        OPENINDENT_SLACK_BOT_TOKEN: 'xoxb-1-2-secret',
        OPENINDENT_SLACK_SIGNING_SECRET: 'signing-secret-0123456789',
        OPENINDENT_SLACK_API_URL: 'http://127.0.0.1:9/api',
      },
    )
    expect(c.slack).toEqual({
      botToken: 'xoxb-1-2-secret',
      signingSecret: 'signing-secret-0123456789',
      apiUrl: 'http://127.0.0.1:9/api/',
    })
    const half = configError(() => loadConfig({}, { OPENINDENT_SLACK_BOT_TOKEN: 'xoxb-1-2-secret' }))
    expect(half.message).toContain('OPENINDENT_SLACK_SIGNING_SECRET')
    expect(half.message).not.toContain('xoxb-1-2-secret')
    const short = configError(() =>
      loadConfig(
        {},
        { OPENINDENT_SLACK_BOT_TOKEN: 'xoxb-1-2-secret', OPENINDENT_SLACK_SIGNING_SECRET: 'short' },
      ),
    )
    expect(short.message).toContain('OPENINDENT_SLACK_SIGNING_SECRET')
    expect(short.message).not.toContain('short:')
  })

  it('returns a frozen object', () => {
    const c = loadConfig({}, {})
    expect(Object.isFrozen(c)).toBe(true)
    expect(() => {
      ;(c as Config).port = 1
    }).toThrow(TypeError)
    expect(c.port).toBe(4100)
  })
})
