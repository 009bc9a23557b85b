import type { Logger } from 'pino'
import type { UserTokenSigner } from '../domain/auth/user-tokens.js'
import type { Caches } from '../domain/cache.js'
import type { Clock } from '../domain/clock.js'
import type { DecisionNotifier } from '../domain/notifier.js'
import type { Store } from '../store/store.js'

/** Everything the HTTP app needs, built by main (or a test) and passed in. */
export interface AppDeps {
  store: Store
  clock: Clock
  signer: UserTokenSigner
  logger: Logger
  notifier: DecisionNotifier
  caches: Caches
  options: AppOptions
}

export interface AppOptions {
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number
  /** Check every response against its schema (on in tests: catches drift between code and contract). */
  validateResponses: boolean
  /** How long a denial answers identical approval checks, in ms. */
  denialWindowMs: number
  /** The longest an approval check or `:wait` is held, in ms. */
  maxCheckWaitMs: number
}
