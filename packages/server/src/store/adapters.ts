import type { EngineAdapter } from './engine.js'
import { postgresAdapter } from './postgres/adapter.js'
import type { Engine } from './schema.js'
import { sqliteAdapter } from './sqlite/adapter.js'

export function adapterFor(engine: Engine): EngineAdapter {
  return engine === 'postgres' ? postgresAdapter : sqliteAdapter
}
