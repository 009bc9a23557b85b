import { type Expression, type SqlBool, sql } from 'kysely'
import type { Requirement } from '../domain/labels/selector.js'
import type { Engine } from './schema.js'

/**
 * Turns label-selector requirements into one SQL condition on a JSON `labels` column. The only
 * engine difference is how one label is read: `json_extract` on SQLite, `->>` on PostgreSQL.
 */
export function labelFilter(engine: Engine, requirements: Requirement[]): Expression<SqlBool> {
  const parts = requirements.map((r) => requirement(engine, r))
  return sql<SqlBool>`(${sql.join(parts, sql` AND `)})`
}

function label(engine: Engine, key: string) {
  return engine === 'postgres' ? sql`(labels ->> ${key})` : sql`json_extract(labels, ${`$."${key}"`})`
}

function requirement(engine: Engine, r: Requirement) {
  const v = label(engine, r.key)
  switch (r.op) {
    case 'eq':
      return sql`${v} = ${r.value}`
    case 'neq':
      return sql`(${v} IS NULL OR ${v} <> ${r.value})`
    case 'in':
      return sql`${v} IN (${sql.join(r.values)})`
    case 'notin':
      return sql`(${v} IS NULL OR ${v} NOT IN (${sql.join(r.values)}))`
    case 'exists':
      return sql`${v} IS NOT NULL`
    case 'notexists':
      return sql`${v} IS NULL`
  }
}
