import type { Command } from 'commander'
import { createSignInCode } from '../domain/auth/sign-in.js'
import { notFound } from '../domain/errors.js'
import { normalizeEmail } from '../domain/spaces/members.js'
import { type DbFlags, dbFlags, withRuntime } from './context.js'
import { dashboardUrl } from './dashboard-url.js'

/**
 * Until mail is configured, the host's operator hands out sign-in links: one-time, valid 24 h, for a
 * person who already exists (an admin, or a member added with `members add`).
 */
export function registerSignInLink(program: Command): void {
  program
    .command('signin-link')
    .description('print a one-time dashboard sign-in link for a person (valid 24 h, works once)')
    .requiredOption('--email <email>', 'who signs in')
    .action(async (o: { email: string }, cmd: Command) => {
      await withRuntime(dbFlags(cmd.optsWithGlobals<DbFlags>()), async (rt) => {
        const email = normalizeEmail(o.email, '--email')
        const user = await rt.store.principals.userByEmail(email)
        if (!user) throw notFound(`user ${email} (add them first: openindent members add)`)
        const code = await createSignInCode(rt, user.id)
        const base = await dashboardUrl(rt.store.settings, rt.config)
        process.stdout.write(`${base}/signin?code=${encodeURIComponent(code)}\n`)
      })
    })
}
