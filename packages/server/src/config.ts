import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import {
  emailProblem,
  MAX_WAIT_SECONDS,
  normalizeEmailAddress,
  parseDuration,
  parseGoDuration,
} from '@openindent/contract'
import type { JWK } from 'jose'
import { z } from 'zod'
import { parsePrivateKey, parseVerificationKeys, SigningKeyError } from './domain/auth/signing-keys.js'

/** Settings from flags (which win) and the environment. Parsed once, frozen; nothing else reads process.env. */
export interface Config {
  port: number
  host: string
  databaseUrl: string | undefined
  dataDir: string
  space: string
  adminEmail: string
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  maxBodyBytes: number
  /** Largest `:bulkUpdate` body, which may carry a whole upload (100,000 resources) at once. */
  maxBulkBodyBytes: number
  validateResponses: boolean
  /** How long a denial answers identical approval checks, in ms. */
  denialWindowMs: number
  /** The longest the server holds an approval check or `:wait` open, in ms (proxies may need less). */
  maxCheckWaitMs: number
  /** Where the server appends a signed checkpoint line whenever a chain's head moved. */
  checkpointFile: string | undefined
  /** Where the server POSTs each new signed checkpoint as JSON. */
  checkpointUrl: string | undefined
  /** How often it looks for heads that moved, in ms. */
  checkpointEveryMs: number
  /** Where users and other systems reach this instance: the `iss` and `aud` of its user tokens. */
  publicUrl: string
  /** False when `publicUrl` is the default, derived from the port. */
  publicUrlSet: boolean
  /** The longest a user access token may live (`exp` − `iat`), in seconds. */
  userTokenMaxLifetimeSeconds: number
  /** The key that signs user tokens, when given from outside; otherwise one is kept in the database. */
  signingKey: JWK | undefined
  /** Public keys that still verify user tokens: previous signing keys during a rotation. */
  previousSigningKeys: JWK[]
  /** How many proxies in front of this server append to X-Forwarded-For (0: ignore the header). */
  trustProxy: number
  /** Failed bearer-token attempts one client address may make per minute before it is refused for a while. */
  authFailuresPerMinute: number
  /** The longest a client may take to send a whole request (headers and body), in ms. */
  requestTimeoutMs: number
  /** Webhooks and the outbox (see jobs/outbox.ts). */
  outbox: OutboxConfig
  /** Email through SMTP, when `smtpUrl` is set: reviewers hear of new requests, requesters of decisions. */
  smtpUrl: string | undefined
  smtpFrom: string
  /** Dashboard single sign-on through an OpenID provider; undefined when not configured. */
  oidc: OidcConfig | undefined
  /** The Slack app, when its bot token and signing secret are set (see README "Slack"). */
  slack: SlackConfig | undefined
}

export interface SlackConfig {
  botToken: string
  /** Verifies that interactivity requests come from Slack. */
  signingSecret: string
  /** Slack's Web API base, ending in `/api/`; another only for tests. */
  apiUrl: string
}

export interface OutboxConfig {
  /** Receivers at cloud metadata addresses are refused unless this is set. */
  allowMetadataUrls: boolean
  /** The longest one webhook call may take, in ms. */
  callTimeoutMs: number
  /** How long an instance holds a delivery it claimed; longer than a call. */
  leaseMs: number
  maxAttempts: number
  retryBaseMs: number
  retryMaxMs: number
  concurrency: number
  pollMs: number
  /** How often pullUpdate webhooks are called; 0: only on demand. */
  pullEveryMs: number
  /** How long delivered deliveries are kept (listed) before they are forgotten. */
  retentionMs: number
  /** The longest a decision webhook may take at petition creation before people decide instead, in ms. */
  decisionTimeoutMs: number
}

export interface OidcConfig {
  issuer: string
  clientId: string
  clientSecret: string
  /** The role a person new to this instance gets in the first-run space; undefined: they are refused. */
  defaultRole: 'viewer' | 'petitionAdmin' | 'editor' | undefined
}

export interface ConfigFlags {
  port?: string | number | undefined
  host?: string | undefined
  databaseUrl?: string | undefined
  dataDir?: string | undefined
  space?: string | undefined
}

const Schema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(4100),
  host: z.string().min(1).default('127.0.0.1'),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// (unset it to use SQLite)')
    .optional(),
  dataDir: z.string().min(1).default('.openindent'),
  space: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'lower-case letters, digits and dashes')
    .max(63)
    .default('default'),
  adminEmail: z
    .string()
    .transform(normalizeEmailAddress)
    .superRefine((v, ctx) => {
      const problem = emailProblem(v)
      if (problem) ctx.addIssue({ code: 'custom', message: `must be an email address: it ${problem}` })
    })
    .default('admin@localhost'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  maxBodyBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  maxBulkBodyBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024),
  validateResponses: z.enum(['true', 'false', '1', '0']).default('false'),
  denialWindow: z
    .string()
    .default('15m')
    .refine((v) => wholeMs(v, 0, Number.MAX_SAFE_INTEGER), 'must be a Go duration such as 15m'),
  maxCheckWait: z
    .string()
    .default(`${MAX_WAIT_SECONDS}s`)
    .refine(
      (v) => wholeMs(v, 0, MAX_WAIT_SECONDS * 1000),
      `must be a Go duration from 0s to ${MAX_WAIT_SECONDS}s`,
    ),
  checkpointFile: z.string().min(1).optional(),
  checkpointUrl: z.string().refine(isHttpUrl, 'must be an http:// or https:// URL').optional(),
  checkpointEvery: z
    .string()
    .default('1h')
    .refine(
      (v) => wholeMs(v, 1000, Number.MAX_SAFE_INTEGER),
      'must be a Go duration of at least 1s, such as 1h',
    ),
  publicUrl: z
    .string()
    .refine(isHttpUrl, 'must be an http:// or https:// URL, such as https://access.example.com')
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
  userTokenMaxLifetime: z
    .string()
    .default('24h')
    .refine(
      (v) => wholeMs(v, 60_000, 720 * 3_600_000) && (parseGoDuration(v) ?? 0) % 1000 === 0,
      'must be whole seconds from 1m to 720h, such as 24h',
    ),
  signingKey: z.string().optional(),
  signingKeyFile: z.string().optional(),
  previousSigningKeysFile: z.string().optional(),
  requestTimeout: z
    .string()
    .default('60s')
    .refine((v) => wholeMs(v, 1000, 600_000), 'must be a Go duration from 1s to 10m'),
  authFailuresPerMinute: z.coerce.number().int().min(1).max(1_000_000).default(60),
  smtpUrl: z
    .string()
    .refine(
      (v) => /^smtps?:\/\/[^/]/.test(v),
      'must be an smtp:// or smtps:// URL, such as smtp://mail.example.com:587',
    )
    .optional(),
  smtpFrom: z.string().min(3).max(320).default('OpenIndent <openindent@localhost>'),
  slackBotToken: z.string().min(10).max(500).optional(),
  slackSigningSecret: z.string().min(16).max(500).optional(),
  slackApiUrl: z
    .string()
    .refine(isHttpUrl, 'must be an http:// or https:// URL')
    .transform((v) => (v.endsWith('/') ? v : `${v}/`))
    .default('https://slack.com/api/'),
  webhookAllowMetadata: z.enum(['true', 'false', '1', '0']).default('false'),
  webhookTimeout: z
    .string()
    .default('10s')
    .refine((v) => wholeMs(v, 100, 600_000), 'must be a Go duration from 100ms to 10m'),
  outboxLease: z
    .string()
    .default('60s')
    .refine((v) => wholeMs(v, 1000, 3_600_000), 'must be a Go duration from 1s to 1h'),
  outboxMaxAttempts: z.coerce.number().int().min(1).max(100).default(10),
  outboxRetryBase: z
    .string()
    .default('1s')
    .refine((v) => wholeMs(v, 1, 3_600_000), 'must be a Go duration from 1ms to 1h'),
  outboxRetryMax: z
    .string()
    .default('1h')
    .refine((v) => wholeMs(v, 1, 86_400_000), 'must be a Go duration from 1ms to 24h'),
  outboxConcurrency: z.coerce.number().int().min(1).max(1000).default(16),
  outboxPoll: z
    .string()
    .default('500ms')
    .refine((v) => wholeMs(v, 10, 600_000), 'must be a Go duration from 10ms to 10m'),
  outboxRetention: z
    .string()
    .default('720h')
    .refine((v) => wholeMs(v, 3_600_000, Number.MAX_SAFE_INTEGER), 'must be a Go duration of at least 1h'),
  pullEvery: z
    .string()
    .default('1h')
    .refine((v) => wholeMs(v, 0, Number.MAX_SAFE_INTEGER), 'must be a Go duration such as 1h (0s: never)'),
  // Decision webhooks hold the request that creates the petition: kept short.
  decisionTimeout: z
    .string()
    .default('3s')
    .refine((v) => wholeMs(v, 10, 60_000), 'must be a Go duration from 10ms to 1m'),
  trustProxy: z
    .string()
    .regex(/^(true|false|\d{1,2})$/, 'must be false, true, or the number of proxies in front (0 to 99)')
    .default('false'),
  oidcIssuer: z
    .string()
    .refine(isHttpUrl, 'must be the http:// or https:// URL of an OpenID provider')
    .optional(),
  oidcClientId: z.string().min(1).optional(),
  oidcClientSecret: z.string().min(1).optional(),
  oidcDefaultRole: z.enum(['viewer', 'petitionAdmin', 'editor']).optional(),
})

/** A Go duration of whole milliseconds (the granularity of every duration) from `min` to `max`. */
function wholeMs(text: string, min: number, max: number): boolean {
  const d = parseDuration(text)
  return d?.whole === true && d.ms >= min && d.ms <= max
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text)
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash && !u.username
  } catch {
    return false
  }
}

/** The environment variables each setting reads. */
export const ENV_VARS = {
  port: 'PORT',
  host: 'HOST',
  databaseUrl: 'DATABASE_URL',
  dataDir: 'OPENINDENT_DATA_DIR',
  space: 'OPENINDENT_SPACE',
  adminEmail: 'OPENINDENT_ADMIN_EMAIL',
  logLevel: 'LOG_LEVEL',
  maxBodyBytes: 'OPENINDENT_MAX_BODY_BYTES',
  maxBulkBodyBytes: 'OPENINDENT_MAX_BULK_BODY_BYTES',
  validateResponses: 'OPENINDENT_VALIDATE_RESPONSES',
  denialWindow: 'OPENINDENT_DENIAL_WINDOW',
  maxCheckWait: 'OPENINDENT_MAX_CHECK_WAIT',
  checkpointFile: 'OPENINDENT_CHECKPOINT_FILE',
  checkpointUrl: 'OPENINDENT_CHECKPOINT_URL',
  checkpointEvery: 'OPENINDENT_CHECKPOINT_EVERY',
  publicUrl: 'OPENINDENT_PUBLIC_URL',
  userTokenMaxLifetime: 'OPENINDENT_USER_TOKEN_MAX_LIFETIME',
  signingKey: 'OPENINDENT_SIGNING_KEY',
  signingKeyFile: 'OPENINDENT_SIGNING_KEY_FILE',
  previousSigningKeysFile: 'OPENINDENT_PREVIOUS_SIGNING_KEYS_FILE',
  trustProxy: 'OPENINDENT_TRUST_PROXY',
  authFailuresPerMinute: 'OPENINDENT_AUTH_FAILURES_PER_MINUTE',
  requestTimeout: 'OPENINDENT_REQUEST_TIMEOUT',
  smtpUrl: 'OPENINDENT_SMTP_URL',
  smtpFrom: 'OPENINDENT_SMTP_FROM',
  webhookAllowMetadata: 'OPENINDENT_WEBHOOK_ALLOW_METADATA',
  webhookTimeout: 'OPENINDENT_WEBHOOK_TIMEOUT',
  outboxLease: 'OPENINDENT_OUTBOX_LEASE',
  outboxMaxAttempts: 'OPENINDENT_OUTBOX_MAX_ATTEMPTS',
  outboxRetryBase: 'OPENINDENT_OUTBOX_RETRY_BASE',
  outboxRetryMax: 'OPENINDENT_OUTBOX_RETRY_MAX',
  outboxConcurrency: 'OPENINDENT_OUTBOX_CONCURRENCY',
  outboxPoll: 'OPENINDENT_OUTBOX_POLL',
  pullEvery: 'OPENINDENT_PULL_EVERY',
  outboxRetention: 'OPENINDENT_OUTBOX_RETENTION',
  decisionTimeout: 'OPENINDENT_DECISION_TIMEOUT',
  oidcIssuer: 'OPENINDENT_OIDC_ISSUER',
  oidcClientId: 'OPENINDENT_OIDC_CLIENT_ID',
  oidcClientSecret: 'OPENINDENT_OIDC_CLIENT_SECRET',
  oidcDefaultRole: 'OPENINDENT_OIDC_DEFAULT_ROLE',
  slackBotToken: 'OPENINDENT_SLACK_BOT_TOKEN',
  slackSigningSecret: 'OPENINDENT_SLACK_SIGNING_SECRET',
  slackApiUrl: 'OPENINDENT_SLACK_API_URL',
} as const

export class ConfigError extends Error {}

export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const raw: Record<string, unknown> = {}
  for (const [key, name] of Object.entries(ENV_VARS)) {
    const v = env[name]
    if (v !== undefined && v !== '') raw[key] = v
  }
  for (const [key, v] of Object.entries(flags)) if (v !== undefined) raw[key] = v
  const r = Schema.safeParse(raw)
  if (!r.success) {
    const issue = r.error.issues[0]
    const key = String(issue?.path[0] ?? '')
    const name = ENV_VARS[key as keyof typeof ENV_VARS] ?? key
    throw new ConfigError(`invalid setting ${name}: ${issue?.message ?? 'invalid'}`)
  }
  const c = r.data
  const {
    denialWindow,
    maxCheckWait,
    checkpointEvery,
    publicUrl,
    userTokenMaxLifetime,
    signingKey,
    signingKeyFile,
    previousSigningKeysFile,
    trustProxy,
    requestTimeout,
    webhookAllowMetadata,
    webhookTimeout,
    outboxLease,
    outboxMaxAttempts,
    outboxRetryBase,
    outboxRetryMax,
    outboxConcurrency,
    outboxPoll,
    pullEvery,
    outboxRetention,
    decisionTimeout,
    oidcIssuer,
    oidcClientId,
    oidcClientSecret,
    oidcDefaultRole,
    slackBotToken,
    slackSigningSecret,
    slackApiUrl,
    ...rest
  } = c
  const requestTimeoutMs = parseGoDuration(requestTimeout) ?? 0
  const maxCheckWaitMs = parseGoDuration(maxCheckWait) ?? 0
  // A held approval check has its whole request by then, but a client sending slowly and then
  // waiting must not be cut off by a limit shorter than the wait it may ask for.
  if (requestTimeoutMs <= maxCheckWaitMs)
    throw new ConfigError(
      `invalid setting ${ENV_VARS.requestTimeout}: must be longer than ${ENV_VARS.maxCheckWait} (${maxCheckWait})`,
    )
  const outbox: OutboxConfig = {
    allowMetadataUrls: webhookAllowMetadata === 'true' || webhookAllowMetadata === '1',
    callTimeoutMs: parseGoDuration(webhookTimeout) ?? 0,
    leaseMs: parseGoDuration(outboxLease) ?? 0,
    maxAttempts: outboxMaxAttempts,
    retryBaseMs: parseGoDuration(outboxRetryBase) ?? 0,
    retryMaxMs: parseGoDuration(outboxRetryMax) ?? 0,
    concurrency: outboxConcurrency,
    pollMs: parseGoDuration(outboxPoll) ?? 0,
    pullEveryMs: parseGoDuration(pullEvery) ?? 0,
    retentionMs: parseGoDuration(outboxRetention) ?? 0,
    decisionTimeoutMs: parseGoDuration(decisionTimeout) ?? 0,
  }
  // A lease shorter than a call would let a second instance take over a delivery still in flight.
  if (outbox.leaseMs <= outbox.callTimeoutMs)
    throw new ConfigError(
      `invalid setting ${ENV_VARS.outboxLease}: must be longer than ${ENV_VARS.webhookTimeout} (${webhookTimeout})`,
    )
  // Posting without verifying the clicks (or the reverse) would be half an app: both or neither.
  if ((slackBotToken === undefined) !== (slackSigningSecret === undefined))
    throw new ConfigError(`set both ${ENV_VARS.slackBotToken} and ${ENV_VARS.slackSigningSecret}, or neither`)
  const slack =
    slackBotToken && slackSigningSecret
      ? { botToken: slackBotToken, signingSecret: slackSigningSecret, apiUrl: slackApiUrl }
      : undefined
  return Object.freeze({
    ...rest,
    outbox,
    slack,
    smtpUrl: c.smtpUrl,
    denialWindowMs: parseGoDuration(denialWindow) ?? 0,
    maxCheckWaitMs,
    requestTimeoutMs,
    checkpointFile: c.checkpointFile === undefined ? undefined : resolve(c.checkpointFile),
    checkpointUrl: c.checkpointUrl,
    checkpointEveryMs: parseGoDuration(checkpointEvery) ?? 0,
    databaseUrl: c.databaseUrl,
    dataDir: resolve(c.dataDir),
    validateResponses: c.validateResponses === 'true' || c.validateResponses === '1',
    publicUrl: publicUrl ?? `http://localhost:${c.port}`,
    publicUrlSet: publicUrl !== undefined,
    userTokenMaxLifetimeSeconds: (parseGoDuration(userTokenMaxLifetime) ?? 0) / 1000,
    signingKey: readSigningKey(signingKey, signingKeyFile),
    previousSigningKeys:
      previousSigningKeysFile === undefined
        ? []
        : readKeys(ENV_VARS.previousSigningKeysFile, () =>
            parseVerificationKeys(readSetting(ENV_VARS.previousSigningKeysFile, previousSigningKeysFile)),
          ),
    trustProxy: trustProxy === 'true' ? 1 : trustProxy === 'false' ? 0 : Number(trustProxy),
    oidc: oidcSettings(oidcIssuer, oidcClientId, oidcClientSecret, oidcDefaultRole),
  })
}

/** All three of issuer, client id and secret, or none of them. */
function oidcSettings(
  issuer: string | undefined,
  clientId: string | undefined,
  clientSecret: string | undefined,
  defaultRole: OidcConfig['defaultRole'],
): OidcConfig | undefined {
  if (issuer === undefined && clientId === undefined && clientSecret === undefined) return undefined
  if (issuer === undefined || clientId === undefined || clientSecret === undefined)
    throw new ConfigError(
      `set all of ${ENV_VARS.oidcIssuer}, ${ENV_VARS.oidcClientId} and ${ENV_VARS.oidcClientSecret}, or none`,
    )
  return { issuer, clientId, clientSecret, defaultRole }
}

function readSigningKey(inline: string | undefined, file: string | undefined): JWK | undefined {
  if (inline !== undefined && file !== undefined)
    throw new ConfigError(`set ${ENV_VARS.signingKey} or ${ENV_VARS.signingKeyFile}, not both`)
  if (inline !== undefined) return readKeys(ENV_VARS.signingKey, () => parsePrivateKey(inline))
  if (file !== undefined)
    return readKeys(ENV_VARS.signingKeyFile, () =>
      parsePrivateKey(readSetting(ENV_VARS.signingKeyFile, file)),
    )
  return undefined
}

/** A key setting's value as a ConfigError naming the setting; never echoes the text (it may be a private key). */
function readKeys<T>(name: string, read: () => T): T {
  try {
    return read()
  } catch (err) {
    if (err instanceof SigningKeyError)
      throw new ConfigError(`invalid setting ${name}: the key ${err.message}`)
    throw err
  }
}

function readSetting(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(
      `invalid setting ${name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`,
    )
  }
}
