import { createHash } from 'node:crypto'
import type { PostgresPool, PostgresPoolClient } from 'kysely'
import type pg from 'pg'
import { PREPARED } from '../prepared.js'

const names = new Map<string, string>()

function nameOf(text: string): string {
  let name = names.get(text)
  if (!name) {
    name = `oi_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`
    // Bounded: texts are few (one per statement shape), but never let a mistake grow this forever.
    if (names.size >= 1000) names.clear()
    names.set(text, name)
  }
  return name
}

/**
 * `pool` as Kysely's driver sees it: statements marked `PREPARED` are prepared once per connection, by
 * a name derived from their text, then only bound and executed (for the policy inputs, planning took
 * four times as long as running them); every other statement goes through unchanged. One wrapper per
 * pooled client, since the driver keeps its connections by client.
 */
export function preparingPool(pool: pg.Pool): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>()
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    const query = (text: unknown, parameters?: ReadonlyArray<unknown>): unknown => {
      if (typeof text !== 'string') return client.query(text as pg.Submittable) // a cursor
      const values = parameters === undefined ? [] : [...parameters]
      return text.startsWith(PREPARED)
        ? client.query({ name: nameOf(text), text, values })
        : client.query(text, values)
    }
    return {
      query: query as unknown as PostgresPoolClient['query'],
      release: (destroy) => client.release(destroy),
    }
  }
  return {
    async connect() {
      const client = await pool.connect()
      let wrapper = wrappers.get(client)
      if (!wrapper) {
        wrapper = wrap(client)
        wrappers.set(client, wrapper)
      }
      return wrapper
    },
    end: () => pool.end(),
  }
}
