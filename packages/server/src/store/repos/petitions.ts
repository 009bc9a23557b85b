import type { EventResource, Phase } from '@openindent/contract'
import { CompiledQuery, type Kysely, sql } from 'kysely'
import { identityOf } from '../../domain/identity.js'
import type { LiveGrant, PetitionFilter, PetitionRepository } from '../../domain/petitions/ports.js'
import type { GrantRecord, Outcome, PetitionRecord } from '../../domain/petitions/types.js'
import { targetKey } from '../../domain/petitions/types.js'
import { chunks } from '../chunks.js'
import type { EngineAdapter } from '../engine.js'
import { parseJson } from '../json.js'
import { labelFilter } from '../label-filter.js'
import { insertRows } from '../row-insert.js'
import type { Database, GrantsTable, PetitionsTable } from '../schema.js'

/**
 * The petitions that hold a request: open, or granted with a grant live at `now` (see `holderOf`),
 * latest first. `columns` says what to read of them.
 */
const heldSql = (columns: string, space: string, key: string, now: string) => `select ${columns}
  from petitions p where p.space_id = ${space} and p.request_key = ${key} and (p.phase = 'open'
  or (p.phase = 'granted' and exists (select 1 from grants g where g.space_id = p.space_id
  and g.petition = p.name and g.revoke_time is null and (g.expire_time is null or g.expire_time > ${now}))))
  order by p.create_time desc limit 1`
const HELD_SQL = {
  sqlite: { any: heldSql('1', '?', '?', '?'), row: heldSql('p.*', '?', '?', '?') },
  postgres: { any: heldSql('1', '$1', '$2', '$3'), row: heldSql('p.*', '$1', '$2', '$3') },
}

/** Petitions, the approvals they collected and the grants they made. */
export class PetitionRepo implements PetitionRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly adapter: EngineAdapter,
    /** Bound to one write transaction: SQLite may then insert through row statements (see insertRows). */
    private readonly transactional = false,
  ) {}

  /**
   * Inserts an open petition unless an identical one is open already: the partial unique index
   * `(space_id, request_key) WHERE phase = 'open'` decides, so concurrent identical requests make one.
   * Returns false when another open petition won.
   */
  async insertOpen(p: PetitionRecord): Promise<boolean> {
    const row = await this.db
      .insertInto('petitions')
      .values(toRow(p))
      .onConflict((oc) =>
        // A literal, not a parameter: SQLite matches the conflict target to the index's WHERE by text.
        oc.columns(['space_id', 'request_key']).where('phase', '=', sql.lit('open')).doNothing(),
      )
      .returning('name')
      .executeTakeFirst()
    if (!row) return false
    await this.insertSubjects(p)
    return true
  }

  async insertDecided(p: PetitionRecord): Promise<boolean> {
    // Identical requests decided side by side queue here, per request, and the read below sees what
    // the one before committed.
    await this.adapter.lockName(this.db, p.spaceId, p.requestKey)
    if (await this.held(p.spaceId, p.requestKey, p.createTime)) return false
    await insertRows(this.db, this.adapter, this.transactional, 'petitions', [toRow(p)])
    await this.insertSubjects(p)
    return true
  }

  /**
   * Whether `holderOf` would find a petition: on the path of every petition a policy decides, so one
   * prepared statement on SQLite (a row statement, as the insert after it) and no query builder.
   */
  private async held(spaceId: string, key: string, now: number): Promise<boolean> {
    const text = HELD_SQL[this.adapter.engine].any
    const rowStatement = this.transactional ? this.adapter.rowStatement : undefined
    if (rowStatement) return rowStatement(text).get([spaceId, key, now]) !== undefined
    const { rows } = await this.db.executeQuery(CompiledQuery.raw(text, [spaceId, key, now]))
    return rows.length > 0
  }

  /** The petitioners and targets a petition names, for the lookups by subject. */
  private async insertSubjects(p: PetitionRecord): Promise<void> {
    const subjects = [
      ...p.petitioners.map((r) => ({ role: 'petitioner', subject: identityOf(r) })),
      ...p.resources.map((r) => ({ role: 'resource', subject: targetKey(r) })),
    ]
    const unique = [...new Map(subjects.map((s) => [`${s.role}\u0000${s.subject}`, s])).values()]
    await insertRows(
      this.db,
      this.adapter,
      this.transactional,
      'petition_subjects',
      unique.map((s) => ({
        space_id: p.spaceId,
        role: s.role,
        subject: s.subject,
        petition: p.name,
        create_time: p.createTime,
      })),
    )
  }

  async lock(spaceId: string, name: string): Promise<PetitionRecord | undefined> {
    const row = await this.adapter
      .lockRows(
        this.db.selectFrom('petitions').selectAll().where('space_id', '=', spaceId).where('name', '=', name),
      )
      .executeTakeFirst()
    return row && fromRow(row)
  }

  async get(spaceId: string, name: string): Promise<PetitionRecord | undefined> {
    const row = await this.db
      .selectFrom('petitions')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('name', '=', name)
      .executeTakeFirst()
    return row && fromRow(row)
  }

  async openFor(spaceId: string, key: string): Promise<PetitionRecord | undefined> {
    const row = await this.db
      .selectFrom('petitions')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('request_key', '=', key)
      .where('phase', '=', 'open')
      .executeTakeFirst()
    return row && fromRow(row)
  }

  async holderOf(spaceId: string, key: string, now: number): Promise<PetitionRecord | undefined> {
    const text = HELD_SQL[this.adapter.engine].row
    const { rows } = await this.db.executeQuery<PetitionsTable>(CompiledQuery.raw(text, [spaceId, key, now]))
    return rows[0] && fromRow(rows[0])
  }

  /** The most recent petition for a request, whatever its phase. */
  async latestFor(spaceId: string, key: string): Promise<PetitionRecord | undefined> {
    const row = await this.db
      .selectFrom('petitions')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('request_key', '=', key)
      .orderBy('create_time', 'desc')
      .orderBy('name', 'desc')
      .limit(1)
      .executeTakeFirst()
    return row && fromRow(row)
  }

  async list(spaceId: string, f: PetitionFilter): Promise<PetitionRecord[]> {
    let q = this.db.selectFrom('petitions').selectAll('petitions').where('petitions.space_id', '=', spaceId)
    if (f.phase) q = q.where('petitions.phase', '=', f.phase)
    if (f.selector?.length) q = q.where(labelFilter(this.adapter, f.selector, 'petitions.labels'))
    for (const [role, value] of [
      ['petitioner', f.petitioner],
      ['resource', f.resource],
    ] as const) {
      if (value === undefined) continue
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('petition_subjects as s')
            .select('s.petition')
            .where('s.space_id', '=', spaceId)
            .where('s.role', '=', role)
            .whereRef('s.petition', '=', 'petitions.name')
            .where((w) =>
              value.includes('/')
                ? w('s.subject', '=', value)
                : sql<boolean>`s.subject LIKE ${`%/${escapeLike(value)}`} ESCAPE '\\'`,
            ),
        ),
      )
    }
    if (f.visibleTo !== undefined) {
      const who = f.visibleTo
      q = q.where((eb) =>
        eb.or([
          eb('petitions.filer', '=', who),
          eb.exists(
            eb
              .selectFrom('petition_subjects as v')
              .select('v.petition')
              .where('v.space_id', '=', spaceId)
              .where('v.role', '=', 'petitioner')
              .where('v.subject', '=', who)
              .whereRef('v.petition', '=', 'petitions.name'),
          ),
        ]),
      )
    }
    if (f.after) {
      const { time, name } = f.after
      q = q.where(
        f.ascending
          ? sql<boolean>`(petitions.create_time, petitions.name) > (${time}, ${name})`
          : sql<boolean>`(petitions.create_time, petitions.name) < (${time}, ${name})`,
      )
    }
    const dir = f.ascending ? 'asc' : 'desc'
    const rows = await q
      .orderBy('petitions.create_time', dir)
      .orderBy('petitions.name', dir)
      .limit(f.limit)
      .execute()
    return rows.map(fromRow)
  }

  /** Moves a petition between phases in one conditional statement; undefined when it was not in `from`. */
  async transition(
    spaceId: string,
    name: string,
    from: readonly Phase[],
    to: Phase,
    now: number,
    outcome?: { outcome: Outcome; reason?: string | undefined },
  ): Promise<PetitionRecord | undefined> {
    const row = await this.db
      .updateTable('petitions')
      .set({
        phase: to,
        update_time: now,
        ...(outcome
          ? { decide_time: now, outcome: outcome.outcome, decide_reason: outcome.reason ?? null }
          : {}),
      })
      .where('space_id', '=', spaceId)
      .where('name', '=', name)
      .where('phase', 'in', [...from])
      .returningAll()
      .executeTakeFirst()
    return row && fromRow(row)
  }

  async transitionMany(
    spaceId: string,
    names: readonly string[],
    from: readonly Phase[],
    to: Phase,
    now: number,
    outcome: { outcome: Outcome; reason?: string | undefined },
  ): Promise<string[]> {
    const moved: string[] = []
    for (const part of chunks([...names], 1000)) {
      const rows = await this.db
        .updateTable('petitions')
        .set({
          phase: to,
          update_time: now,
          decide_time: now,
          outcome: outcome.outcome,
          decide_reason: outcome.reason ?? null,
        })
        .where('space_id', '=', spaceId)
        .where('name', 'in', part)
        .where('phase', 'in', [...from])
        .returning('name')
        .execute()
      for (const r of rows) moved.push(r.name)
    }
    return moved
  }

  async addApproval(
    spaceId: string,
    petition: string,
    reviewer: string,
    durationMs: number | null,
    now: number,
  ): Promise<{ added: boolean; approvals: { reviewer: string; durationMs: number | null }[] }> {
    const inserted = await this.db
      .insertInto('petition_approvals')
      .values({ space_id: spaceId, petition, reviewer, duration_ms: durationMs, create_time: now })
      .onConflict((oc) => oc.columns(['space_id', 'petition', 'reviewer']).doNothing())
      .returning('reviewer')
      .executeTakeFirst()
    const rows = await this.db
      .selectFrom('petition_approvals')
      .select(['reviewer', 'duration_ms'])
      .where('space_id', '=', spaceId)
      .where('petition', '=', petition)
      .orderBy('create_time')
      .execute()
    return {
      added: inserted !== undefined,
      approvals: rows.map((r) => ({ reviewer: r.reviewer, durationMs: r.duration_ms })),
    }
  }

  async insertGrants(spaceId: string, grants: GrantRecord[]): Promise<void> {
    await insertRows(
      this.db,
      this.adapter,
      this.transactional,
      'grants',
      grants.map((g) => ({
        space_id: spaceId,
        id: g.id,
        petition: g.petition,
        petitioner_key: identityOf(g.petitioner),
        resource_key: targetKey(g.resource),
        petitioner: JSON.stringify(g.petitioner),
        resource: JSON.stringify(g.resource),
        start_time: g.startTime,
        expire_time: g.expireTime ?? null,
        revoke_time: null,
        revoke_reason: null,
      })),
    )
  }

  async grantsOf(spaceId: string, petitions: readonly string[]): Promise<Map<string, GrantRecord[]>> {
    const out = new Map<string, GrantRecord[]>()
    if (petitions.length === 0) return out
    const rows = await this.db
      .selectFrom('grants')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('petition', 'in', [...petitions])
      .orderBy('id')
      .execute()
    for (const row of rows) {
      const list = out.get(row.petition) ?? []
      list.push(grantFromRow(row))
      out.set(row.petition, list)
    }
    return out
  }

  /**
   * Live grants (not revoked, not expired at `now`) among the given petitioner and target keys. The
   * approval check's hot path: one indexed query.
   */
  async activeGrants(
    spaceId: string,
    petitionerKeys: string[],
    resourceKeys: string[],
    now: number,
  ): Promise<LiveGrant[]> {
    const rows = await this.db
      .selectFrom('grants')
      .select(['petitioner_key', 'resource_key', 'expire_time', 'petition', 'start_time'])
      .where('space_id', '=', spaceId)
      .where('revoke_time', 'is', null)
      .where('petitioner_key', 'in', petitionerKeys)
      .where('resource_key', 'in', resourceKeys)
      .where((eb) => eb.or([eb('expire_time', 'is', null), eb('expire_time', '>', now)]))
      .execute()
    return rows.map((r) => {
      const g: LiveGrant = {
        petition: r.petition,
        petitionerKey: r.petitioner_key,
        resourceKey: r.resource_key,
        startTime: r.start_time,
      }
      if (r.expire_time !== null) g.expireTime = r.expire_time
      return g
    })
  }

  /** Revokes a petition's live grants; returns the ones this call revoked. */
  async revokeGrantsOf(
    spaceId: string,
    petition: string,
    now: number,
    reason: string,
  ): Promise<GrantRecord[]> {
    const rows = await this.db
      .updateTable('grants')
      .set({ revoke_time: now, revoke_reason: reason })
      .where('space_id', '=', spaceId)
      .where('petition', '=', petition)
      .where('revoke_time', 'is', null)
      .returningAll()
      .execute()
    return rows.map(grantFromRow)
  }

  /**
   * Claims expired grants, across all spaces, in one conditional update: of two instances running
   * this at once, each grant is revoked by exactly one (the other's WHERE no longer matches it). On
   * PostgreSQL the due rows are locked with SKIP LOCKED, so a second instance takes the next batch
   * instead of waiting for the first's rows and then finding them gone (SQLite has one writer).
   */
  async revokeExpired(now: number, limit: number): Promise<(GrantRecord & { spaceId: string })[]> {
    let due = this.db
      .selectFrom('grants')
      .select(['space_id', 'id'])
      .where('revoke_time', 'is', null)
      .where('expire_time', '<=', now)
      .orderBy('expire_time')
      .limit(limit)
    if (this.adapter.engine === 'postgres') due = due.forUpdate().skipLocked()
    const rows = await this.db
      .updateTable('grants')
      .set({ revoke_time: now, revoke_reason: 'expired' })
      .where(sql<boolean>`(space_id, id) IN (${due})`)
      .where('revoke_time', 'is', null)
      .returningAll()
      .execute()
    return rows.map((r) => ({ ...grantFromRow(r), spaceId: r.space_id }))
  }

  async liveGrantCount(spaceId: string, petition: string): Promise<number> {
    const row = await this.db
      .selectFrom('grants')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('space_id', '=', spaceId)
      .where('petition', '=', petition)
      .where('revoke_time', 'is', null)
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  async withLiveGrants(spaceId: string, petitions: readonly string[]): Promise<Set<string>> {
    if (petitions.length === 0) return new Set()
    const rows = await this.db
      .selectFrom('grants')
      .select('petition')
      .distinct()
      .where('space_id', '=', spaceId)
      .where('petition', 'in', [...petitions])
      .where('revoke_time', 'is', null)
      .execute()
    return new Set(rows.map((r) => r.petition))
  }

  /** The next time a live grant expires, for scheduling the expiry job. */
  async nextExpiry(): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('grants')
      .select((eb) => eb.fn.min<number>('expire_time').as('t'))
      .where('revoke_time', 'is', null)
      .where('expire_time', 'is not', null)
      .executeTakeFirst()
    return row?.t === null || row?.t === undefined ? undefined : Number(row.t)
  }
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`)

function toRow(p: PetitionRecord): PetitionsTable {
  return {
    space_id: p.spaceId,
    name: p.name,
    request_key: p.requestKey,
    phase: p.phase,
    petitioners: JSON.stringify(p.petitioners),
    resources: JSON.stringify(p.resources),
    reason: p.reason ?? null,
    duration_ms: p.durationMs ?? null,
    labels: JSON.stringify(p.labels),
    create_time: p.createTime,
    update_time: p.updateTime,
    decide_time: p.decideTime ?? null,
    decide_reason: p.decideReason ?? null,
    outcome: p.outcome ?? null,
    filer: p.filer ?? null,
  }
}

export function fromRow(row: PetitionsTable): PetitionRecord {
  const p: PetitionRecord = {
    spaceId: row.space_id,
    name: row.name,
    requestKey: row.request_key,
    phase: row.phase as Phase,
    petitioners: parseJson<EventResource[]>(row.petitioners),
    resources: parseJson<EventResource[]>(row.resources),
    labels: parseJson<Record<string, string>>(row.labels),
    createTime: row.create_time,
    updateTime: row.update_time,
  }
  if (row.reason !== null) p.reason = row.reason
  if (row.duration_ms !== null) p.durationMs = row.duration_ms
  if (row.decide_time !== null) p.decideTime = row.decide_time
  if (row.decide_reason !== null) p.decideReason = row.decide_reason
  if (row.outcome !== null) p.outcome = row.outcome as Outcome
  if (row.filer !== null) p.filer = row.filer
  return p
}

function grantFromRow(row: GrantsTable): GrantRecord {
  const g: GrantRecord = {
    id: row.id,
    petition: row.petition,
    petitioner: parseJson<EventResource>(row.petitioner),
    resource: parseJson<EventResource>(row.resource),
    startTime: row.start_time,
  }
  if (row.expire_time !== null) g.expireTime = row.expire_time
  if (row.revoke_time !== null) g.revokeTime = row.revoke_time
  if (row.revoke_reason !== null) g.revokeReason = row.revoke_reason
  return g
}
