import { resolve } from 'node:path'
import { emailProblem, normalizeEmailAddress, parseDuration, parseGoDuration } from '@openindent/contract'
import { z } from 'zod'

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
  validateResponses: boolean
  /** How long a denial answers identical approval checks, in ms. */
  denialWindowMs: number
  /** The longest the server holds an approval check or `:wait` open, in ms (proxies may need less). */
  maxCheckWaitMs: number
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
  validateResponses: z.enum(['true', 'false', '1', '0']).default('false'),
  denialWindow: z
    .string()
    .default('15m')
    .refine((v) => wholeMs(v, 0, Number.MAX_SAFE_INTEGER), 'must be a Go duration such as 15m'),
  maxCheckWait: z
    .string()
    .default('30s')
    .refine((v) => wholeMs(v, 0, 30_000), 'must be a Go duration from 0s to 30s'),
})

/** A Go duration of whole milliseconds (the granularity of every duration) from `min` to `max`. */
function wholeMs(text: string, min: number, max: number): boolean {
  const d = parseDuration(text)
  return d?.whole === true && d.ms >= min && d.ms <= max
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
  validateResponses: 'OPENINDENT_VALIDATE_RESPONSES',
  denialWindow: 'OPENINDENT_DENIAL_WINDOW',
  maxCheckWait: 'OPENINDENT_MAX_CHECK_WAIT',
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
  const { denialWindow, maxCheckWait, ...rest } = c
  return Object.freeze({
    ...rest,
    denialWindowMs: parseGoDuration(denialWindow) ?? 0,
    maxCheckWaitMs: parseGoDuration(maxCheckWait) ?? 0,
    databaseUrl: c.databaseUrl,
    dataDir: resolve(c.dataDir),
    validateResponses: c.validateResponses === 'true' || c.validateResponses === '1',
  })
}
