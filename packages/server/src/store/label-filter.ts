import { type Expression, type SqlBool, sql } from 'kysely'
import type { Requirement } from '../domain/labels/selector.js'
import type { EngineAdapter } from './engine.js'

/** Turns label-selector requirements into one SQL condition on a JSON labels column. */
export function labelFilter(
  adapter: EngineAdapter,
  requirements: Requirement[],
  column = 'labels',
): Expression<SqlBool> {
  const parts = requirements.map((r) => requirement(adapter.label(column, r.key), r))
  return sql<SqlBool>`(${sql.join(parts, sql` AND `)})`
}

function requirement(v: Expression<string | null>, r: Requirement) {
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
