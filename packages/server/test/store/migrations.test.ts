import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '../../src/store/connect.js'
import { migrateToLatest, migrator } from '../../src/store/migrate.js'
import type { Database } from '../../src/store/schema.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/databases.js'
import { openHandle } from './support.js'

const TABLES: (keyof Database)[] = [
  'spaces',
  'users',
  'members',
  'service_accounts',
  'tokens',
  'sign_in_codes',
  'settings',
  'resources',
  'events',
  'event_resources',
  'audit_heads',
  'idempotency_keys',
  'petitions',
  'petition_subjects',
  'petition_approvals',
  'grants',
  'approval_rules',
  'audit_inputs',
  'dashboard_sessions',
  'webhooks',
  'outbox',
  'deliveries',
  'job_leases',
  'policy_sets',
  'policies',
  'policy_versions',
  'slack_messages',
  'slack_replays',
  'petition_notices',
]
const ALL = [
  '0001_initial',
  '0002_petitions',
  '0003_identity',
  '0004_audit',
  '0005_auth',
  '0006_indent_phases',
  '0007_audit_inputs',
  '0008_dashboard',
  '0009_outbox',
  '0010_policies',
  '0012_slack',
  '0013_user_resources',
  '0014_petition_order',
]

async function tableNames(handle: DatabaseHandle): Promise<string[]> {
  const tables = await handle.db.introspection.getTables()
  return tables.map((t) => t.name)
}

async function recordedMigrations(handle: DatabaseHandle): Promise<string[]> {
  const r = await sql<{ name: string }>`SELECT name FROM openindent_migrations ORDER BY name`.execute(
    handle.db,
  )
  return r.rows.map((row) => row.name)
}

describe.each(ENGINES)('migrations on %s', (engine) => {
  const cleanup: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn()
  })

  async function fresh(): Promise<TestDatabase> {
    const database = await createTestDatabase(engine)
    cleanup.push(() => database.drop())
    return database
  }

  function open(database: TestDatabase): DatabaseHandle {
    const handle = openHandle(database)
    cleanup.push(() => handle.close())
    return handle
  }

  it('0003 rekeys grants and petitions written before it by identity: the same person however named', async () => {
    const handle = open(await fresh())
    const to2 = await migrator(handle.db, engine).migrateTo('0002_petitions')
    expect(to2.error).toBeUndefined()
    const db = handle.db
    const json = (v: unknown) => JSON.stringify(v)
    const jane = { kind: 'user', id: 'u_jane', email: 'Jane@Example.com' }
    await db
      .insertInto('spaces')
      .values({ id: 's1', name: 's1', display_name: null, create_time: 1, update_time: 1 } as never)
      .execute()
    await db
      .insertInto('petitions')
      .values({
        space_id: 's1',
        name: 'p1',
        request_key: 'old-key',
        phase: 'granted',
        petitioners: json([jane]),
        resources: json([{ kind: 'customer', id: 'c1' }]),
        reason: null,
        duration_ms: null,
        labels: json({}),
        create_time: 1,
        update_time: 1,
        decide_time: null,
        decide_reason: null,
        outcome: null,
      } as never)
      .execute()
    await db
      .insertInto('petition_subjects')
      .values({ space_id: 's1', role: 'petitioner', subject: 'user/u_jane', petition: 'p1', create_time: 1 })
      .execute()
    await db
      .insertInto('grants')
      .values({
        space_id: 's1',
        id: 'g1',
        petition: 'p1',
        petitioner_key: 'user/u_jane',
        resource_key: 'customer/c1',
        petitioner: json(jane),
        resource: json({ kind: 'customer', id: 'c1' }),
        start_time: 1,
        expire_time: null,
        revoke_time: null,
        revoke_reason: null,
      })
      .execute()

    expect((await migrateToLatest(db, engine)).applied).toEqual([
      '0003_identity',
      '0004_audit',
      '0005_auth',
      '0006_indent_phases',
      '0007_audit_inputs',
      '0008_dashboard',
      '0009_outbox',
      '0010_policies',
      '0012_slack',
      '0013_user_resources',
      '0014_petition_order',
    ])
    const grant = await db.selectFrom('grants').select('petitioner_key').executeTakeFirstOrThrow()
    expect(grant.petitioner_key).toBe('user/jane@example.com')
    const subjects = await db.selectFrom('petition_subjects').select(['role', 'subject']).execute()
    expect(subjects).toEqual([{ role: 'petitioner', subject: 'user/jane@example.com' }])
    const p = await db.selectFrom('petitions').select(['request_key', 'filer']).executeTakeFirstOrThrow()
    expect(p.request_key).not.toBe('old-key')
    expect(p.filer).toBeNull()
  })

  it('applies every migration to a fresh database and creates every table', async () => {
    const handle = open(await fresh())
    expect(await tableNames(handle)).not.toContain('resources')

    const report = await migrateToLatest(handle.db, handle.engine)

    expect(report.applied).toEqual(ALL)
    expect(await tableNames(handle)).toEqual(expect.arrayContaining(TABLES))
    expect(await recordedMigrations(handle)).toEqual(ALL)
  })

  it('applies nothing on a second run, from the same or a new connection', async () => {
    const database = await fresh()
    const first = open(database)
    await migrateToLatest(first.db, first.engine)

    expect((await migrateToLatest(first.db, first.engine)).applied).toEqual([])
    const second = open(database)
    expect((await migrateToLatest(second.db, second.engine)).applied).toEqual([])
    expect(await recordedMigrations(second)).toEqual(ALL)
  })

  if (engine === 'postgres') {
    it('lets 4 instances migrate one fresh database at once: the schema is created and recorded once', async () => {
      const database = await fresh()
      const handles = [0, 1, 2, 3].map(() => open(database))

      const reports = await Promise.all(handles.map((h) => migrateToLatest(h.db, h.engine)))

      expect(reports.flatMap((r) => r.applied)).toEqual(ALL)
      const check = handles[0] as DatabaseHandle
      expect(await recordedMigrations(check)).toEqual(ALL)
      const resources = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename = 'resources'`.execute(
        check.db,
      )
      expect(resources.rows[0]?.n).toBe(1)
      const fn = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'openindent_append_only'`.execute(check.db)
      expect(fn.rows[0]?.n).toBe(1)
      const names = await tableNames(check)
      for (const table of TABLES) expect(names.filter((n) => n === table)).toHaveLength(1)
    })
  }
})
