import { formatGoDuration, parseDuration, type Role, Role as RoleSchema } from '@openindent/contract'
import { type Command, Option } from 'commander'
import { mintUserToken } from '../domain/auth/mint.js'
import { USER_TOKEN_TTL_SECONDS } from '../domain/auth/sign-in.js'
import { toIso } from '../domain/clock.js'
import { invalid, notFound } from '../domain/errors.js'
import { normalizeEmail, putMember } from '../domain/spaces/members.js'
import { createServiceAccountIn } from '../domain/tokens/service-accounts.js'
import { createTokenIn, listTokens, revokeToken } from '../domain/tokens/tokens.js'
import { signerForServer } from '../signing.js'
import { UsageError } from './api-client.js'
import { cliAccess, type DbFlags, dbFlags, withRuntime } from './context.js'

const collect = (v: string, all: string[] = []) => [...all, v]

interface CreateOpts {
  space?: string
  serviceAccount?: string
  user?: string
  role?: string[]
  displayName?: string
  expiryDays?: string
  ttl?: number
}

/** A positive Go duration of whole seconds (a JWT counts seconds), in seconds. */
function wholeSeconds(value: string): number {
  const d = parseDuration(value)
  if (d === undefined || !d.whole || d.ms <= 0 || d.ms % 1000 !== 0)
    throw new UsageError('expected a positive Go duration of whole seconds, such as 15m or 8h')
  return d.ms / 1000
}

/** Like the other host commands: the space `serve` creates unless another is named. */
const SPACE_HELP = 'space (default: env OPENINDENT_SPACE, else "default")'

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('create, list and revoke tokens (on this host)')

  token
    .command('create')
    .description('print a new token, and nothing else, on stdout')
    .option('--space <name>', SPACE_HELP)
    .addOption(
      new Option(
        '--service-account <name>',
        'a token for this service account; with --role it is created if missing, without --role it must exist and keeps its roles',
      ).conflicts('user'),
    )
    .option('--user <email>', 'mint a short-lived user access token (JWT) instead')
    .option(
      '--role <role>',
      'role: viewer, petitionAdmin or editor (repeatable); creates the account or adds the --user member with it',
      collect,
    )
    .option('--display-name <text>', 'label shown in token lists')
    .option('--expiry-days <n>', 'service-account tokens only: expire after n days')
    .addOption(
      new Option('--ttl <duration>', 'user tokens only: lifetime, a Go duration (default 1h)')
        .argParser(wholeSeconds)
        .conflicts('serviceAccount'),
    )
    .action(async (o: CreateOpts, cmd: Command) => {
      if (!o.serviceAccount && !o.user) throw invalid('pass --service-account NAME or --user EMAIL')
      const roles = (o.role ?? []).map((r) => RoleSchema.parse(r)) as Role[]
      await withRuntime(dbFlags(cmd.optsWithGlobals<DbFlags>()), async (rt) => {
        const space = o.space ?? rt.config.space
        const access = await cliAccess(rt, space)
        const now = rt.clock.now()
        if (o.user) {
          const email = normalizeEmail(o.user, '--user')
          const ttlSeconds = o.ttl ?? Math.min(USER_TOKEN_TTL_SECONDS, rt.signer.maxLifetimeSeconds)
          // Refused before anything is written: a lifetime over the maximum is never minted.
          if (ttlSeconds > rt.signer.maxLifetimeSeconds) {
            throw invalid(
              `--ttl is longer than the maximum user-token lifetime, ${formatGoDuration(rt.signer.maxLifetimeSeconds * 1000)} (OPENINDENT_USER_TOKEN_MAX_LIFETIME)`,
            )
          }
          // Adding a member goes through the domain, audited like the API's PUT members/{email}.
          if (roles.length) await putMember(rt, access, email, { roles })
          const user = await rt.store.principals.userByEmail(email)
          if (
            !user ||
            (!user.isAdmin && !(await rt.store.principals.memberRoles(access.space.id, user.id)))
          ) {
            throw invalid(`${email} is not a member of ${space}: pass --role to add them`)
          }
          const signer = await signerForServer(rt.config, rt.store.settings, rt.signer)
          process.stdout.write(`${await mintUserToken(rt, signer, access, user, ttlSeconds)}\n`)
          return
        }
        const name = o.serviceAccount as string
        // The token names the running server as its issuer, as the server's own tokens do.
        const signer = await signerForServer(rt.config, rt.store.settings, rt.signer)
        const created = await rt.store.transaction(async (tx) => {
          let sa = await tx.principals.serviceAccountByName(access.space.id, name)
          if (!sa) {
            if (!roles.length)
              throw invalid(`service account "${name}" does not exist: pass --role to create it`)
            sa = await createServiceAccountIn(tx, access, { name, roles }, now)
          } else if (roles.length && [...roles].sort().join() !== [...sa.roles].sort().join()) {
            throw invalid(
              `service account "${name}" has roles ${sa.roles.join(', ')}; omit --role, or use another account`,
            )
          }
          const expiryDays = o.expiryDays === undefined ? undefined : Number(o.expiryDays)
          if (expiryDays !== undefined && !(Number.isInteger(expiryDays) && expiryDays > 0)) {
            throw invalid('--expiry-days must be a positive whole number')
          }
          return createTokenIn(tx, access, sa, { displayName: o.displayName, expiryDays }, now, signer)
        })
        process.stdout.write(`${created.secret}\n`)
      })
    })

  token
    .command('list')
    .description('list active tokens (never their secrets)')
    .option('--space <name>', SPACE_HELP)
    .option('--service-account <name>', 'only this account')
    .option('--show-revoked', 'include revoked tokens')
    .action(async (o: { space?: string; serviceAccount?: string; showRevoked?: boolean }, cmd: Command) => {
      await withRuntime(dbFlags(cmd.optsWithGlobals<DbFlags>()), async (rt) => {
        const space = o.space ?? rt.config.space
        const access = await cliAccess(rt, space)
        let pageToken: string | undefined
        do {
          const page = await listTokens(rt, access, {
            serviceAccount: o.serviceAccount,
            showRevoked: o.showRevoked ?? false,
            pageSize: 1000,
            pageToken,
          } as Parameters<typeof listTokens>[2])
          for (const t of page.items) {
            const state = t.revokeTime
              ? `revoked ${toIso(t.revokeTime)}`
              : t.expireTime
                ? `expires ${toIso(t.expireTime)}`
                : 'active'
            process.stdout.write(
              `${t.id}\t${t.serviceAccount.name}\t${toIso(t.createTime)}\t${state}\t${t.displayName ?? ''}\n`,
            )
          }
          pageToken = page.nextPageToken
        } while (pageToken)
      })
    })

  token
    .command('revoke <id>')
    .description('revoke a token; it stops working at once')
    .option('--space <name>', SPACE_HELP)
    .action(async (id: string, o: { space?: string }, cmd: Command) => {
      await withRuntime(dbFlags(cmd.optsWithGlobals<DbFlags>()), async (rt) => {
        const space = o.space ?? rt.config.space
        const access = await cliAccess(rt, space)
        const t = await revokeToken(rt, access, id).catch((err: unknown) => {
          throw (err as { code?: string }).code === 'NOT_FOUND'
            ? notFound(`active token "${id}" in ${space}`)
            : err
        })
        process.stdout.write(`revoked ${t.id}\n`)
      })
    })
}
