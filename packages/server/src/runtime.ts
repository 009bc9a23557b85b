import { type Logger, pino } from 'pino'
import type { Config } from './config.js'
import { CheckpointSigner } from './domain/audit/checkpoint-signer.js'
import { ATTEMPT_LIMITS, type AttemptLimits } from './domain/auth/attempts.js'
import { createCaches, FreshCache, Freshness, petitionTag } from './domain/cache.js'
import { type Clock, systemClock } from './domain/clock.js'
import { type DomainEvent, LocalEventFeed } from './domain/events.js'
import { newId } from './domain/ids.js'
import { WatchHub } from './domain/petitions/watch.js'
import type { AppDeps } from './http/deps.js'
import type { JsonText } from './http/json-text.js'
import { CheckpointJob, type CheckpointTarget, fileTarget, urlTarget } from './jobs/checkpoints.js'
import { ExpiryJob } from './jobs/expiry.js'
import { IdempotencySweepJob } from './jobs/idempotency-sweep.js'
import { currentSigningKey, openSigner } from './signing.js'
import { openDatabase } from './store/connect.js'
import { migrateToLatest } from './store/migrate.js'
import { AckBarrier } from './store/postgres/barrier.js'
import { ChangeListener } from './store/postgres/listener.js'
import { RateLimits } from './store/rate-limits.js'
import { Store } from './store/store.js'

export interface Runtime extends AppDeps {
  config: Readonly<Config>
  /** The concrete store: the domain's repositories plus settings and commit hooks. */
  store: Store
  expiry: ExpiryJob
  idempotencySweep: IdempotencySweepJob
  /** Signs and verifies audit checkpoints with the instance's key. */
  checkpointSigner: CheckpointSigner
  /** Publishes checkpoints; only when a checkpoint file or URL is configured. */
  checkpoints: CheckpointJob | undefined
  /** Starts the background jobs (the server does; one-shot CLI commands do not). */
  startJobs(): void
  close(): Promise<void>
}

/** The default limits, with the per-address allowance for bearer failures as configured. */
function limitsFor(config: Readonly<Config>): AttemptLimits {
  const { bearer } = ATTEMPT_LIMITS
  return {
    ...ATTEMPT_LIMITS,
    bearer: { ...bearer, address: { ...bearer.address, points: config.authFailuresPerMinute } },
  }
}

/** Opens the database, brings its schema up to date and assembles the dependencies. */
export async function openRuntime(
  config: Readonly<Config>,
  opts: { clock?: Clock; logger?: Logger; attemptLimits?: AttemptLimits } = {},
): Promise<Runtime> {
  // Asynchronous writes: a slow reader of stdout must not stall every request.
  const logger =
    opts.logger ?? pino({ level: config.logLevel, base: undefined }, pino.destination({ sync: false }))
  const clock = opts.clock ?? systemClock
  const handle = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  let listener: ChangeListener | undefined
  try {
    const { applied } = await migrateToLatest(handle.db, handle.engine)
    if (applied.length) logger.info({ applied }, 'database migrated')
    const instanceId = newId('inst')
    const feed = new LocalEventFeed()
    const freshness = new Freshness(handle.dataVersion)
    const changed = (events: readonly DomainEvent[], narrow: boolean) => {
      if (narrow) freshness.touch(events.map((e) => petitionTag(e.spaceId, e.petition)))
      else freshness.bump()
      feed.deliver(events)
    }
    const store = new Store(handle.db, handle.adapter, instanceId)
    store.onCommit(changed)
    if (handle.engine === 'postgres' && config.databaseUrl) {
      const barrier = new AckBarrier(handle.db, instanceId, logger)
      listener = await ChangeListener.start(
        config.databaseUrl,
        instanceId,
        {
          remote: (events, ack, narrow) => {
            // Applied first (nothing cached before is trusted any more), acknowledged after.
            changed(events, narrow)
            if (ack) barrier.acknowledge(ack)
          },
          echoed: (ack) => barrier.echoed(ack),
          acknowledged: (payload) => barrier.received(payload),
          listening: () => barrier.listening(),
          down: () => {
            barrier.down()
            freshness.suspend()
          },
          up: () => {
            barrier.up()
            freshness.resume()
          },
        },
        logger,
      )
      store.useBarrier(barrier)
      // The id names this instance's listener in pg_stat_activity (application_name). Debug, not info:
      // the host CLI opens a runtime too, and its stdout must carry nothing but its output.
      logger.debug({ instance: instanceId }, "listening for other instances' changes")
    }
    const signer = await openSigner(config, store.settings, clock)
    const checkpointSigner = await CheckpointSigner.fromKey(await currentSigningKey(config, store.settings))
    const ctx = { store, clock }
    const expiry = new ExpiryJob(ctx, logger)
    const idempotencySweep = new IdempotencySweepJob(ctx, logger)
    const targets: CheckpointTarget[] = []
    if (config.checkpointFile) targets.push(fileTarget(config.checkpointFile))
    if (config.checkpointUrl) targets.push(urlTarget(config.checkpointUrl))
    const checkpoints =
      targets.length > 0
        ? new CheckpointJob(ctx, checkpointSigner, targets, logger, config.checkpointEveryMs)
        : undefined
    const live = listener
    const watch = new WatchHub(feed, store.petitions)
    return {
      config,
      store,
      clock,
      signer,
      attempts: new RateLimits(opts.attemptLimits ?? limitsFor(config), handle.pool),
      logger,
      feed,
      caches: createCaches(freshness),
      checkAnswers: new FreshCache<JsonText>(freshness),
      watch,
      async readiness() {
        try {
          await store.ping()
        } catch {
          return 'the database is not reachable'
        }
        if (live && !live.connected) return "not hearing other instances' changes (reconnecting)"
        return undefined
      },
      expiry,
      idempotencySweep,
      checkpointSigner,
      checkpoints,
      options: {
        maxBodyBytes: config.maxBodyBytes,
        maxBulkBodyBytes: config.maxBulkBodyBytes,
        validateResponses: config.validateResponses,
        denialWindowMs: config.denialWindowMs,
        maxCheckWaitMs: config.maxCheckWaitMs,
        trustProxy: config.trustProxy,
      },
      startJobs() {
        expiry.start()
        idempotencySweep.start()
        checkpoints?.start()
      },
      async close() {
        watch.close()
        await new Promise<void>((resolve) => logger.flush(() => resolve()))
        await expiry.stop()
        await idempotencySweep.stop()
        await checkpoints?.stop()
        await live?.close()
        await handle.close()
      },
    }
  } catch (err) {
    await listener?.close()
    await handle.close()
    throw err
  }
}
