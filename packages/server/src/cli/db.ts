import { Name } from '@openindent/contract'
import type { Command } from 'commander'
import { loadConfig } from '../config.js'
import { actorOf } from '../domain/auth/principal.js'
import { createSpace } from '../domain/spaces/spaces.js'
import { openDatabase } from '../store/connect.js'
import { migrateToLatest } from '../store/migrate.js'
import { type DbFlags, dbFlags, withRuntime } from './context.js'

export function registerDatabaseCommands(program: Command): void {
  program
    .command('migrate')
    .description('bring the database schema up to date (serve also does this at start)')
    .action(async (_o: unknown, cmd: Command) => {
      const config = loadConfig(dbFlags(cmd.optsWithGlobals<DbFlags>()))
      const handle = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
      try {
        const { applied } = await migrateToLatest(handle.db, handle.engine)
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n')
      } finally {
        await handle.close()
      }
    })

  const space = program.command('space').description('manage spaces (on this host, directly in the database)')
  space
    .command('create <name>')
    .option('--display-name <text>', 'a human-readable name')
    .description('create a space')
    .action(async (name: string, o: { displayName?: string }, cmd: Command) => {
      Name.parse(name)
      await withRuntime(dbFlags(cmd.optsWithGlobals<DbFlags>()), async (rt) => {
        const system = { type: 'system' as const, name: 'openindent CLI' }
        const s = await createSpace(rt, system, actorOf(system), { name, displayName: o.displayName })
        process.stdout.write(`${s.name}\n`)
      })
    })
  space
    .command('list')
    .description('list spaces')
    .action(async (_o: unknown, cmd: Command) => {
      await withRuntime(dbFlags(cmd.optsWithGlobals<DbFlags>()), async (rt) => {
        for (const s of await rt.store.spaces.list({ limit: 10_000 })) {
          process.stdout.write(`${s.name}${s.displayName ? `\t${s.displayName}` : ''}\n`)
        }
      })
    })
}
