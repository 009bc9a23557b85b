#!/usr/bin/env node
import { IndentError } from '@openindent/api'
import { VERSION } from '@openindent/contract'
import { Command, CommanderError } from 'commander'
import { ZodError } from 'zod'
import { registerAuditCommands } from './cli/audit.js'
import { registerDatabaseCommands } from './cli/db.js'
import { registerMemberCommands } from './cli/members.js'
import { registerPetitionCommands } from './cli/petitions.js'
import { registerResourceCommands } from './cli/resources.js'
import { registerRuleCommands } from './cli/rules.js'
import { registerServe } from './cli/serve.js'
import { registerSignInLink } from './cli/signin-link.js'
import { registerTokenCommands } from './cli/token.js'
import { ConfigError } from './config.js'
import { DomainError } from './domain/errors.js'

const program = new Command('openindent')
  .description('OpenIndent: self-hosted access approvals, wire-compatible with Indent')
  .version(VERSION)
  .option('--database-url <url>', 'PostgreSQL URL (env DATABASE_URL); SQLite when unset')
  .option('--data-dir <dir>', 'SQLite data directory (env OPENINDENT_DATA_DIR, default ./.openindent)')
  .exitOverride()

registerServe(program)
registerDatabaseCommands(program)
registerTokenCommands(program)
registerResourceCommands(program)
registerAuditCommands(program)
registerPetitionCommands(program)
registerRuleCommands(program)
registerMemberCommands(program)
registerSignInLink(program)

try {
  await program.parseAsync(process.argv)
} catch (err) {
  process.exitCode = report(err)
}

/** Expected failures get one clear line; anything else is a bug and gets its stack. */
function report(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode
  if (err instanceof ConfigError) return fail(err.message, 2)
  if (err instanceof DomainError) return fail(err.message, 1)
  if (err instanceof ZodError) return fail(err.issues[0]?.message ?? 'invalid input', 2)
  if (err instanceof IndentError) return fail(err.message, 1)
  console.error(err)
  return 1
}

function fail(message: string, code: number): number {
  process.stderr.write(`openindent: ${message}\n`)
  return code
}
