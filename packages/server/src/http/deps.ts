import type { Logger } from 'pino'
import type { OidcConfig } from '../config.js'
import type { AttemptLimiter } from '../domain/auth/attempts.js'
import type { UserTokenSigner } from '../domain/auth/user-tokens.js'
import type { Caches, FreshCache } from '../domain/cache.js'
import type { Clock } from '../domain/clock.js'
import type { EventFeed } from '../domain/events.js'
import type { WatchHub } from '../domain/petitions/watch.js'
import type { SlackApi } from '../domain/slack/ports.js'
import type { DataStore } from '../domain/unit-of-work.js'
import type { WebhookSettings } from '../domain/webhooks/crud.js'
import type { WebhookCaller } from '../domain/webhooks/ports.js'
import type { JsonText } from './json-text.js'

/** Everything the HTTP app needs, built by main (or a test) and passed in. */
export interface AppDeps {
  store: DataStore
  clock: Clock
  signer: UserTokenSigner
  /** Failed sign-ins and bearer tokens, counted per client address and identity. */
  attempts: AttemptLimiter
  logger: Logger
  feed: EventFeed
  caches: Caches
  /** Granted approval-check answers, serialized once: sent as they are on a hit. */
  checkAnswers: FreshCache<JsonText>
  /** The approval watch streams of this instance (routes/watch.ts). */
  watch: WatchHub
  /** Why this instance cannot serve now (database or cross-instance listener down); undefined when it can. */
  readiness(): Promise<string | undefined>
  options: AppOptions
  /** Signs and sends webhook calls (pullUpdate on demand). */
  webhookCaller: WebhookCaller
  webhookSettings: WebhookSettings
  /** The Slack app, when configured: its Web API and the secret its interactivity requests are signed with. */
  slack?: { api: SlackApi; signingSecret: string } | undefined
  /** How long a petition's creation waits for decision webhooks, in ms (OPENINDENT_DECISION_TIMEOUT). */
  decisionTimeoutMs: number
}

export interface AppOptions {
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number
  /** Largest body of a route that takes a whole upload (`bodyLimit: 'bulk'`), in bytes. */
  maxBulkBodyBytes: number
  /** Check every response against its schema (on in tests: catches drift between code and contract). */
  validateResponses: boolean
  /** How long a denial answers identical approval checks, in ms. */
  denialWindowMs: number
  /** The longest an approval check or `:wait` is held, in ms. */
  maxCheckWaitMs: number
  /** Proxies in front that append to X-Forwarded-For; 0: the socket's address is the client's. */
  trustProxy: number
  /** OPENINDENT_PUBLIC_URL when set: links handed out (audit input DSNs, the dashboard's `export INDENT_API_URL=` lines) name it; undefined: the request's origin. */
  publicUrl?: string | undefined
  /** Set when SMTP is configured: the sign-in page offers to email a link, which opens this URL. */
  emailSignIn?: { publicUrl: string } | undefined
  /** Dashboard single sign-on (OPENINDENT_OIDC_*), with the space new people join. */
  oidc?: (OidcConfig & { space: string }) | undefined
}
