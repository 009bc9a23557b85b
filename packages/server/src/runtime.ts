import { type Logger, pino } from 'pino'
import type { Config } from './config.js'
import { generateSigningKey, UserTokenSigner } from './domain/auth/user-tokens.js'
import { createCaches, Freshness } from './domain/cache.js'
import { type Clock, systemClock } from './domain/clock.js'
import { LocalNotifier } from './domain/notifier.js'
import type { AppDeps } from './http/deps.js'
import { ExpiryJob } from './jobs/expiry.js'
import { openDatabase } from './store/connect.js'
import { migrateToLatest } from './store/migrate.js'
import { PostgresNotifier } from './store/postgres/notifier.js'
import { Store } from './store/store.js'

export interface Runtime extends AppDeps {
  config: Readonly<Config>
  expiry: ExpiryJob
  close(): Promise<void>
}

const SIGNING_KEY = 'user_token_signing_key'

/** Opens the database, brings its schema up to date and assembles the dependencies. */
export async function openRuntime(
  config: Readonly<Config>,
  opts: { clock?: Clock; logger?: Logger } = {},
): Promise<Runtime> {
  // Asynchronous writes: a slow reader of stdout must not stall every request.
  const logger =
    opts.logger ?? pino({ level: config.logLevel, base: undefined }, pino.destination({ sync: false }))
  const clock = opts.clock ?? systemClock
  const handle = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    const { applied } = await migrateToLatest(handle.db, handle.engine)
    if (applied.length) logger.info({ applied }, 'database migrated')
    const notifier =
      handle.engine === 'postgres' && config.databaseUrl
        ? await PostgresNotifier.start(config.databaseUrl, logger)
        : new LocalNotifier()
    const freshness = new Freshness(handle.dataVersion)
    notifier.onChange(() => freshness.bump())
    const store = new Store(handle.db, handle.engine, false, () => notifier.announceChange())
    const stored = await store.settings.getOrInit(SIGNING_KEY, await generateSigningKey())
    const signer = await UserTokenSigner.fromStored(stored, clock)
    const expiry = new ExpiryJob({ store, clock, notifier, logger })
    return {
      config,
      store,
      clock,
      signer,
      logger,
      notifier,
      caches: createCaches(freshness),
      expiry,
      options: {
        maxBodyBytes: config.maxBodyBytes,
        validateResponses: config.validateResponses,
        denialWindowMs: config.denialWindowMs,
        maxCheckWaitMs: config.maxCheckWaitMs,
      },
      async close() {
        await new Promise<void>((resolve) => logger.flush(() => resolve()))
        await expiry.stop()
        await notifier.close()
        await handle.close()
      },
    }
  } catch (err) {
    await handle.close()
    throw err
  }
}
