import type { Clock } from './clock.js'
import type { DataStore } from './store.js'

/** What every use case gets: the store and the clock. */
export interface Ctx {
  store: DataStore
  clock: Clock
}
