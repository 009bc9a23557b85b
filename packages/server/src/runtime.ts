import { type Logger, pino } from 'pino'
import type { Config } from './config.js'
import { CheckpointSigner } from './domain/audit/checkpoint-signer.js'
import { ATTEMPT_LIMITS, type AttemptLimits } from './domain/auth/attempts.js'
import { createCaches, FreshCache, Freshness, petitionTag } from './domain/cache.js'
import { type Clock, systemClock } from './domain/clock.js'
import { type DomainEvent, LocalEventFeed } from './domain/events.js'
import { newId } from './domain/ids.js'
import { WatchHub } from './domain/petitions/watch.js'
import { deliverSlack } from './domain/slack/deliver.js'
import { outboxWriter } from './domain/webhooks/enqueue.js'
import { WebhookHandlerCache } from './domain/webhooks/handler-cache.js'
import type { AppDeps } from './http/deps.js'
import type { JsonText } from './http/json-text.js'
import { CheckpointJob, type CheckpointTarget, fileTarget, urlTarget } from './jobs/checkpoints.js'
import { ExpiryJob } from './jobs/expiry.js'
import { IdempotencySweepJob } from './jobs/idempotency-sweep.js'
import { OutboxJob } from './jobs/outbox.js'
import { OutboxSweepJob } from './jobs/outbox-sweep.js'
import { PullJob } from './jobs/pull.js'
import { ReachJob } from './jobs/reach.js'
import { SessionSweepJob } from './jobs/session-sweep.js'
import { WebSlackApi } from './jobs/slack-api.js'
import { SmtpMailer } from './jobs/smtp-mailer.js'
import { HttpWebhookCaller } from './jobs/webhook-caller.js'
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
  /** Deletes ended dashboard sessions. */
  sessionSweep: SessionSweepJob
  /** Signs and verifies audit checkpoints with the instance's key. */
  checkpointSigner: CheckpointSigner
  /** Publishes checkpoints; only when a checkpoint file or URL is configured. */
  checkpoints: CheckpointJob | undefined
  /** Delivers the outbox to webhooks. */
  outbox: OutboxJob
  /** Forgets old delivered deliveries. */
  outboxSweep: OutboxSweepJob
  /** Calls pullUpdate webhooks on a schedule; only when OPENINDENT_PULL_EVERY is not 0. */
  pulls: PullJob | undefined
  /** Reviewer reach rules: pending timeout, escalation, expiring notices. */
  reach: ReachJob
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
  // Asynchronous writes: a slow reader of the log must not stall every request. On stderr, so that log
  // lines never land in front of what a command prints for a pipe or a script on stdout.
  const logger =
    opts.logger ??
    pino({ level: config.logLevel, base: undefined }, pino.destination({ dest: 2, sync: false }))
  const clock = opts.clock ?? systemClock
  const handle = openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    checkpointer: true,
  })
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
    const store = new Store(handle.db, handle.adapter, instanceId, new WebhookHandlerCache(freshness, clock))
    store.onCommit(changed)
    // Deliveries are written in the transaction of the change they report.
    store.beforeCommit(
      outboxWriter({
        ...(config.smtpUrl ? { email: { publicUrl: config.publicUrl } } : {}),
        slack: config.slack !== undefined,
      }),
    )
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
    const sessionSweep = new SessionSweepJob(ctx, logger)
    const webhookCaller = new HttpWebhookCaller({
      timeoutMs: config.outbox.callTimeoutMs,
      allowMetadataUrls: config.outbox.allowMetadataUrls,
      maxResponseBytes: config.maxBulkBodyBytes,
      userAgent: 'OpenIndent-Webhook',
    })
    const webhookSettings = { allowMetadataUrls: config.outbox.allowMetadataUrls }
    const mailer = config.smtpUrl
      ? new SmtpMailer(config.smtpUrl, config.smtpFrom, config.outbox.callTimeoutMs)
      : undefined
    const slackApi = config.slack
      ? new WebSlackApi(config.slack.botToken, config.slack.apiUrl, config.outbox.callTimeoutMs)
      : undefined
    const outbox = new OutboxJob(
      ctx,
      {
        webhooks: webhookCaller,
        mailer,
        slack: slackApi && ((d) => deliverSlack(ctx, slackApi, config.publicUrl, d)),
      },
      {
        owner: instanceId,
        leaseMs: config.outbox.leaseMs,
        retry: {
          maxAttempts: config.outbox.maxAttempts,
          baseMs: config.outbox.retryBaseMs,
          capMs: config.outbox.retryMaxMs,
        },
        concurrency: config.outbox.concurrency,
        pollMs: config.outbox.pollMs,
      },
      logger,
    )
    // This instance's commits and, on PostgreSQL, every other instance's wake the worker at once.
    feed.subscribe(() => outbox.kick())
    const outboxSweep = new OutboxSweepJob(ctx, config.outbox.retentionMs, logger)
    const pulls =
      config.outbox.pullEveryMs > 0
        ? new PullJob({ ...ctx, webhookCaller }, logger, config.outbox.pullEveryMs, instanceId)
        : undefined
    const reach = new ReachJob(
      ctx,
      {
        ...(config.smtpUrl ? { email: { publicUrl: config.publicUrl } } : {}),
        slack: config.slack !== undefined,
      },
      logger,
      instanceId,
    )
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
      sessionSweep,
      checkpointSigner,
      checkpoints,
      outbox,
      outboxSweep,
      pulls,
      reach,
      webhookCaller,
      webhookSettings,
      slack: slackApi && config.slack && { api: slackApi, signingSecret: config.slack.signingSecret },
      decisionTimeoutMs: config.outbox.decisionTimeoutMs,
      options: {
        maxBodyBytes: config.maxBodyBytes,
        maxBulkBodyBytes: config.maxBulkBodyBytes,
        validateResponses: config.validateResponses,
        denialWindowMs: config.denialWindowMs,
        maxCheckWaitMs: config.maxCheckWaitMs,
        trustProxy: config.trustProxy,
        publicUrl: config.publicUrlSet ? config.publicUrl : undefined,
        emailSignIn: config.smtpUrl ? { publicUrl: config.publicUrl } : undefined,
        oidc: config.oidc && { ...config.oidc, space: config.space },
      },
      startJobs() {
        expiry.start()
        idempotencySweep.start()
        sessionSweep.start()
        checkpoints?.start()
        outbox.start()
        outboxSweep.start()
        pulls?.start()
        reach.start()
      },
      async close() {
        watch.close()
        await new Promise<void>((resolve) => logger.flush(() => resolve()))
        await expiry.stop()
        await idempotencySweep.stop()
        await sessionSweep.stop()
        await checkpoints?.stop()
        await pulls?.stop()
        await reach.stop()
        await outboxSweep.stop()
        await outbox.stop()
        mailer?.close()
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
