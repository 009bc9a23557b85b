import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'

/**
 * One identity per person. Petitions remember who filed them; spaces can refuse unknown resources;
 * and the keys grants and petitions are matched by are recomputed so that a person is `user/<email>`
 * however they were named (`{id: 'u_1', email: 'A@x'}` and `{id: 'a@x'}` are the same person).
 *
 * The key rules are copied here on purpose, frozen as they were when this migration was written: a
 * migration must do the same thing on every database, whatever the code does later.
 */
export function identity() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('petitions').addColumn('filer', 'text').execute()
      await db.schema
        .alterTable('spaces')
        .addColumn('require_known_resources', 'integer', (c) => c.notNull().defaultTo(0))
        .execute()
      await rekey(db as Kysely<Tables>)
    },
  }
}

interface Subject {
  kind?: string
  id?: string
  email?: string
}

interface Tables {
  petitions: {
    space_id: string
    name: string
    request_key: string
    petitioners: unknown
    resources: unknown
    phase: string
    create_time: number
  }
  petition_subjects: {
    space_id: string
    role: string
    subject: string
    petition: string
    create_time: number
  }
  grants: { space_id: string; id: string; petitioner: unknown; petitioner_key: string }
}

const EMAILISH = /^[^\s@/]+@[^\s@/]+$/
const parse = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T

function identityOf(r: Subject): string {
  if (r.kind?.trim().toLowerCase() === 'user') {
    for (const c of [r.email, r.id]) {
      const e = c?.trim().toLowerCase()
      if (e && EMAILISH.test(e)) return `user/${e}`
    }
  }
  return `${r.kind?.trim() ?? ''}/${r.id?.trim() ?? r.email?.trim().toLowerCase() ?? ''}`
}

const targetKey = (r: Subject) => `${r.kind ?? ''}/${r.id ?? r.email?.toLowerCase() ?? ''}`

function requestKey(petitioners: Subject[], resources: Subject[]): string {
  const p = [...new Set(petitioners.map(identityOf))].sort()
  const r = [...new Set(resources.map(targetKey))].sort()
  return createHash('sha256')
    .update(JSON.stringify([p, r]))
    .digest('hex')
    .slice(0, 40)
}

async function rekey(db: Kysely<Tables>): Promise<void> {
  const grants = await db
    .selectFrom('grants')
    .select(['space_id', 'id', 'petitioner', 'petitioner_key'])
    .execute()
  for (const g of grants) {
    const key = identityOf(parse<Subject>(g.petitioner))
    if (key === g.petitioner_key) continue
    await db
      .updateTable('grants')
      .set({ petitioner_key: key })
      .where('space_id', '=', g.space_id)
      .where('id', '=', g.id)
      .execute()
  }
  const petitions = await db
    .selectFrom('petitions')
    .select(['space_id', 'name', 'request_key', 'petitioners', 'resources', 'phase', 'create_time'])
    .execute()
  const openKeys = new Set(
    petitions.filter((p) => p.phase === 'open').map((p) => `${p.space_id}\u0000${p.request_key}`),
  )
  for (const p of petitions) {
    const petitioners = parse<Subject[]>(p.petitioners)
    const key = requestKey(petitioners, parse<Subject[]>(p.resources))
    // Two open petitions that turn out to be the same request keep their old keys apart: at most one
    // open petition per request is what the unique index holds, and neither is lost.
    const clash = p.phase === 'open' && openKeys.has(`${p.space_id}\u0000${key}`) && key !== p.request_key
    if (key !== p.request_key && !clash) {
      await db
        .updateTable('petitions')
        .set({ request_key: key })
        .where('space_id', '=', p.space_id)
        .where('name', '=', p.name)
        .execute()
      if (p.phase === 'open') openKeys.add(`${p.space_id}\u0000${key}`)
    }
    const subjects = [...new Set(petitioners.map(identityOf))]
    await db
      .deleteFrom('petition_subjects')
      .where('space_id', '=', p.space_id)
      .where('petition', '=', p.name)
      .where('role', '=', 'petitioner')
      .execute()
    for (const subject of subjects) {
      await db
        .insertInto('petition_subjects')
        .values({
          space_id: p.space_id,
          role: 'petitioner',
          subject,
          petition: p.name,
          create_time: Number(p.create_time),
        })
        .execute()
    }
  }
}
