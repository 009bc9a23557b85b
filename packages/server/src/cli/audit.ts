import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import type { Writable } from 'node:stream'
import { type Command, Option } from 'commander'
import { CSV_COLUMNS, csvLine } from '../domain/audit/csv.js'
import { eventFilter, parseRfc3339, streamChain } from '../domain/audit/query.js'
import { invalid } from '../domain/errors.js'
import { plural } from './api-client.js'
import { addChainFlags, type ChainFlags, chainFor, checkChainFlags } from './audit-chain.js'
import { registerVerifyCommands } from './audit-verify.js'
import { type DbFlags, dbFlags, withRuntime } from './context.js'
import { ProgressBar } from './progress.js'

interface ExportOpts extends ChainFlags {
  format: 'ndjson' | 'csv'
  event?: string
  actor?: string
  resourceKind?: string
  resourceId?: string
  since?: string
  until?: string
  output?: string
}

export function registerAuditCommands(program: Command): void {
  const audit = program
    .command('audit')
    .description(
      'export and verify the audit log, and take checkpoints of it (on this host, directly in the database)',
    )

  addChainFlags(
    audit
      .command('export')
      .description(
        'write the events of a space (or the instance) in chain order, oldest first, as NDJSON or CSV',
      ),
  )
    .addOption(new Option('--format <format>', 'output format').choices(['ndjson', 'csv']).default('ndjson'))
    .option('--event <name>', 'only this event name, e.g. access/approve')
    .option('--actor <id>', 'only this actor (its id, or its email when it has no id)')
    .option('--resource-kind <kind>', 'only events about resources of this kind')
    .option('--resource-id <id>', 'with --resource-kind: only events about this resource')
    .option('--since <time>', 'only events at or after this RFC 3339 time')
    .option('--until <time>', 'only events before this RFC 3339 time')
    .option('--output <file>', 'write to this file (progress on stderr) instead of stdout')
    .action(async (o: ExportOpts, cmd: Command) => {
      checkChainFlags(o)
      for (const [flag, value] of [
        ['--since', o.since],
        ['--until', o.until],
      ] as const) {
        if (value !== undefined && parseRfc3339(value) === undefined)
          throw invalid(`${flag} must be an RFC 3339 time such as 2026-01-02T03:04:05Z`)
      }
      if (o.resourceId !== undefined && o.resourceKind === undefined)
        throw invalid('--resource-id needs --resource-kind')
      const filter = eventFilter({
        event: o.event,
        actor: o.actor,
        resourceKind: o.resourceKind,
        resourceId: o.resourceId,
        startTime: o.since,
        endTime: o.until,
      })
      await withRuntime(dbFlags(cmd.optsWithGlobals<DbFlags>()), async (rt) => {
        const { chain } = await chainFor(rt, o)
        const out: Writable = o.output ? await openFile(o.output) : stdoutEndingQuietly()
        let bar: ProgressBar | undefined
        let count = 0
        try {
          if (o.format === 'csv') await write(out, `${CSV_COLUMNS.join(',')}\n`)
          const events = streamChain(rt, chain, filter, {
            // Progress only beside a file: on stdout it would mix into what a pipe reads.
            onProgress: (seq, head) => {
              if (!o.output) return
              bar ??= new ProgressBar(head, 'chain read through seq')
              bar.update(seq)
            },
          })
          for await (const e of events) {
            await write(out, o.format === 'csv' ? csvLine(e) : `${JSON.stringify(e)}\n`)
            count++
          }
        } finally {
          if (o.output) {
            out.end()
            await once(out, 'close')
          }
        }
        if (o.output) process.stderr.write(`${plural(count, 'event')} written to ${o.output}\n`)
      })
    })

  registerVerifyCommands(audit)
}

async function openFile(path: string): Promise<Writable> {
  const stream = createWriteStream(path)
  try {
    await once(stream, 'open')
  } catch (err) {
    throw invalid(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`)
  }
  return stream
}

/** stdout for an export: a reader that stops early (`| head`) ends the export, without a stack trace. */
function stdoutEndingQuietly(): Writable {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0)
    throw err
  })
  return process.stdout
}

/** Writes and waits when the stream is full, so a large export streams instead of piling up in memory. */
async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain')
}
