import { basename, isAbsolute } from 'node:path'
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

  it('returns a frozen object', () => {
    const c = loadConfig({}, {})
    expect(Object.isFrozen(c)).toBe(true)
    expect(() => {
      ;(c as Config).port = 1
    }).toThrow(TypeError)
    expect(c.port).toBe(4100)
  })
})
