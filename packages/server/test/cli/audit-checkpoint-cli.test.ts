import { appendFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliAccess } from '../../src/cli/context.js'
import { loadConfig } from '../../src/config.js'
import type { Checkpoint } from '../../src/domain/audit/checkpoint.js'
import { CheckpointSigner } from '../../src/domain/audit/checkpoint-signer.js'
import { chainHash } from '../../src/domain/audit/types.js'
import { writeEvents } from '../../src/domain/audit/write.js'
import { generateSigningKey } from '../../src/domain/auth/signing-keys.js'
import { bootstrap } from '../../src/domain/bootstrap.js'
import { openRuntime, type Runtime } from '../../src/runtime.js'
import { openindent, raw, requireBuiltCli } from '../helpers/cli.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/databases.js'

describe.each(ENGINES)('openindent audit head and verify --expect-head on %s', (engine) => {
  let db: TestDatabase
  let spaceId: string
  /** `audit head --space default` taken after 6 app events. */
  let checkpoint: Checkpoint
  let file: string

  async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
    const config = loadConfig({ databaseUrl: db.databaseUrl, dataDir: db.dataDir }, { LOG_LEVEL: 'silent' })
    const rt = await openRuntime(config)
    try {
      return await fn(rt)
    } finally {
      await rt.close()
    }
  }
  const notes = (n: number, from: number) =>
    withRuntime(async (rt) =>
      writeEvents(
        rt,
        await cliAccess(rt, 'default'),
        Array.from({ length: n }, (_, i) => ({ event: 'app/note', reason: `note ${from + i}` })),
      ),
    )
  const verify = (...args: string[]) => openindent(db, ['audit', 'verify', '--space', 'default', ...args])
  const lines = (cps: object[]) => `${cps.map((c) => JSON.stringify(c)).join('\n')}\n`
  const fileOf = (name: string, text: string) => {
    const path = join(db.dataDir, name)
    writeFileSync(path, text)
    return path
  }

  beforeAll(async () => {
    requireBuiltCli()
    db = await createTestDatabase(engine)
    spaceId = await withRuntime(async (rt) => {
      await bootstrap(rt, { spaceName: 'default', adminEmail: 'admin@example.com' })
      return (await cliAccess(rt, 'default')).space.id
    })
    await notes(5, 1)
    const head = await openindent(db, ['audit', 'head', '--space', 'default'])
    expect(head).toMatchObject({ code: 0, stderr: '' })
    checkpoint = JSON.parse(head.stdout) as Checkpoint
    file = fileOf('checkpoints.ndjson', head.stdout)
  })
  afterAll(() => db?.drop())

  it('head prints one signed JSON line naming the chain, its seq and hash, the time and the space', async () => {
    const head = await withRuntime((rt) => rt.store.audit.head(spaceId))
    expect(checkpoint).toMatchObject({ chain: spaceId, space: 'default', seq: head?.seq, hash: head?.hash })
    expect(Date.parse(checkpoint.time)).not.toBeNaN()
    expect(decodeProtectedHeader(checkpoint.jws)).toMatchObject({
      alg: 'ES256',
      typ: 'openindent-checkpoint+jwt',
    })
    const instance = await openindent(db, ['audit', 'head', '--instance'])
    expect(JSON.parse(instance.stdout)).toMatchObject({ chain: '_instance', seq: 1 })
    expect(JSON.parse(instance.stdout)).not.toHaveProperty('space')
    appendFileSync(file, instance.stdout)
    const both = await openindent(db, ['audit', 'verify', '--instance', '--expect-head', file])
    expect(both.code).toBe(0)
    expect(both.stdout).toMatch(/\nok: 1 checkpoints from .* are in the log \(the latest at seq 1\)\n$/)
  })

  it('passes while the log holds the checkpoint, also after more events', async () => {
    await notes(3, 6)
    const r = await verify('--expect-head', file)
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout).toContain(
      `ok: 1 checkpoints from ${file} are in the log (the latest at seq ${checkpoint.seq})`,
    )
  })

  it('refuses checkpoints it did not sign, or that say other than they signed', async () => {
    const otherKey = await CheckpointSigner.fromKey(JSON.parse(generateSigningKey()))
    const { jws: _, ...claims } = checkpoint
    const forged = { ...claims, jws: await otherKey.sign(claims) }
    const foreign = await verify('--expect-head', fileOf('forged.ndjson', lines([forged])))
    expect(foreign.code).toBe(1)
    expect(foreign.stdout).toMatch(/checkpoint failed: .*: the checkpoint of seq \d+ does not verify/)

    const edited = await verify('--expect-head', fileOf('edited.ndjson', lines([{ ...checkpoint, seq: 2 }])))
    expect(edited.code).toBe(1)
    expect(edited.stdout).toMatch(/says other things than it signed/)
  })

  it('refuses a file it cannot read, that holds no checkpoint of this log, or is not checkpoints', async () => {
    const missing = join(db.dataDir, 'nope.ndjson')
    expect(await verify('--expect-head', missing)).toMatchObject({
      code: 1,
      stderr: `openindent: cannot read ${missing}: ENOENT\n`,
    })
    const other = await verify(
      '--expect-head',
      fileOf('other.ndjson', lines([{ ...checkpoint, chain: 'spc_other' }])),
    )
    expect(other.code).toBe(1)
    expect(other.stdout).toMatch(/holds no checkpoint of this log/)
    const junk = fileOf('junk.ndjson', '{"hello": 1}\n')
    expect(await verify('--expect-head', junk)).toMatchObject({
      code: 1,
      stderr: `openindent: ${junk} line 1 is not a checkpoint\n`,
    })
  })

  it('catches the last events cut and the head rewound, which the chain alone cannot show', async () => {
    const keep = checkpoint.seq - 2
    const [kept] = await withRuntime((rt) =>
      rt.store.audit.list(spaceId, {}, { ascending: true, after: keep - 1, limit: 1 }),
    )
    await raw(db, [
      `DELETE FROM events WHERE space_id = '${spaceId}' AND seq > ${keep}`,
      `UPDATE audit_heads SET seq = ${keep}, hash = '${kept?.hash}' WHERE space_id = '${spaceId}'`,
    ])
    const chainOnly = await verify()
    expect(chainOnly.code).toBe(0)
    expect(chainOnly.stdout).toMatch(new RegExp(`^ok: ${keep} events`))

    const r = await verify('--expect-head', file)
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(
      new RegExp(
        `checkpoint failed: .*: the log no longer holds event ${checkpoint.seq} .*\\(its head is at seq ${keep}\\): events were removed`,
      ),
    )
  })

  it('catches the whole chain recomputed from genesis after an edit', async () => {
    // A checkpoint of the log as it is now (the test before cut it), kept before the rewrite.
    const now = await openindent(db, ['audit', 'head', '--space', 'default'])
    const kept = fileOf('kept.ndjson', now.stdout)
    const rows = await withRuntime((rt) => rt.store.audit.list(spaceId, {}, { ascending: true, limit: 1000 }))
    const statements: string[] = []
    let prev = '0'.repeat(64)
    for (const row of rows) {
      const body = row.body.replace('note 1"', 'nothing happened"')
      const hash = chainHash(prev, row.seq, body)
      statements.push(
        `UPDATE events SET body = '${body.replaceAll("'", "''")}', prev_hash = '${prev}', hash = '${hash}' WHERE space_id = '${spaceId}' AND seq = ${row.seq}`,
      )
      prev = hash
    }
    statements.push(`UPDATE audit_heads SET hash = '${prev}' WHERE space_id = '${spaceId}'`)
    await raw(db, statements)
    expect((await verify()).code).toBe(0)

    const r = await verify('--expect-head', kept)
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(
      new RegExp(
        `event ${rows.length} no longer has the hash the checkpoint taken at .* recorded: the log was rewritten`,
      ),
    )
  })
})
