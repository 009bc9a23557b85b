import { VERSION } from '@openindent/contract'
import { Command } from 'commander'
import { registerAuditCommands } from './audit.js'
import { registerDatabaseCommands } from './db.js'
import { registerMemberCommands } from './members.js'
import { registerPetitionCommands } from './petitions.js'
import { registerPolicyCommands } from './policies.js'
import { registerResourceCommands } from './resources.js'
import { registerRuleCommands } from './rules.js'
import { registerServe } from './serve.js'
import { registerTokenCommands } from './token.js'
import { registerWebhookCommands } from './webhooks.js'

/** Every command of `openindent`, built without running any: the CLI parses it, the reference renders it. */
export function buildProgram(): Command {
  const program = new Command('openindent')
    .description('OpenIndent: self-hosted access approvals, wire-compatible with Indent')
    .version(VERSION)
    .option('--database-url <url>', 'PostgreSQL URL (env DATABASE_URL); SQLite when unset')
    .option('--data-dir <dir>', 'SQLite data directory (env OPENINDENT_DATA_DIR, default ./.openindent)')
  registerServe(program)
  registerDatabaseCommands(program)
  registerTokenCommands(program)
  registerResourceCommands(program)
  registerAuditCommands(program)
  registerPetitionCommands(program)
  registerRuleCommands(program)
  registerMemberCommands(program)
  registerWebhookCommands(program)
  registerPolicyCommands(program)
  return program
}
