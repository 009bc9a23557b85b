import type { Store } from '../store/store.js'
import type { Clock } from './clock.js'

/** What every use case gets: the store and the clock. */
export interface Ctx {
  store: Store
  clock: Clock
}
