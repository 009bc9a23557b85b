import type { Clock } from './clock.js'
import type { DataStore } from './unit-of-work.js'

/** What every use case gets: the store and the clock. */
export interface Ctx {
  store: DataStore
  clock: Clock
}
