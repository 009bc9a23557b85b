import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import {
  type Checkpoint,
  checkCheckpoints,
  parseCheckpoints,
  takeCheckpoint,
} from '../domain/audit/checkpoint.js'
import { verifyChain } from '../domain/audit/verify.js'
import { verifyGrants } from '../domain/audit/verify-grants.js'
import { invalid, notFound } from '../domain/errors.js'
import type { Runtime } from '../runtime.js'
import { plural } from './api-client.js'
import { addChainFlags, type ChainFlags, chainFor, checkChainFlags } from './audit-chain.js'
import { type DbFlags, dbFlags, withRuntime } from './context.js'

interface VerifyOpts extends ChainFlags {
  expectHead?: string
}

export function registerVerifyCommands(audit: Command): void {
  addChainFlags(
    audit
      .command('verify')
      .description(
        'check the hash chain of a space (or the instance) from its first event to its head, its grants against their events, and (--expect-head) that checkpoints kept elsewhere are still in it; exit 1 if not',
      ),
  )
    .option(
      '--expect-head <file>',
      'checkpoints (one JSON a line, as `audit head` prints) the log must still hold',
    )
    .action(async (o: VerifyOpts, cmd: Command) => {
      checkChainFlags(o)
      const expected = o.expectHead === undefined ? undefined : await readCheckpoints(o.expectHead)
      await withRuntime(dbFlags(cmd.optsWithGlobals<DbFlags>()), async (rt) => {
        process.exitCode = (await verify(rt, o, expected)) ? 0 : 1
      })
    })

  addChainFlags(
    audit
      .command('head')
      .description(
        'print a signed checkpoint of the log (seq, hash, time, space) as one JSON line, to keep where the database cannot reach',
      ),
  ).action(async (o: ChainFlags, cmd: Command) => {
    checkChainFlags(o)
    await withRuntime(dbFlags(cmd.optsWithGlobals<DbFlags>()), async (rt) => {
      const { chain, space } = await chainFor(rt, o)
      const head = await rt.store.audit.head(chain)
      if (!head)
        throw notFound(`the head of ${space === undefined ? 'the instance log' : `space "${space}"`}`)
      const cp = await takeCheckpoint(rt, rt.checkpointSigner, {
        chain,
        ...head,
        ...(space ? { space } : {}),
      })
      process.stdout.write(`${JSON.stringify(cp)}\n`)
    })
  })
}

/** Prints what it found, a line per check; true when all passed. */
async function verify(
  rt: Runtime,
  o: ChainFlags,
  expected: { file: string; checkpoints: Checkpoint[] } | undefined,
): Promise<boolean> {
  const out = (line: string) => process.stdout.write(`${line}\n`)
  const { chain } = await chainFor(rt, o)
  const result = await verifyChain(rt.store, chain)
  if (!result.ok) {
    out(`broken at seq ${result.seq}: ${result.problem} (${plural(result.events, 'event')} intact before it)`)
    return false
  }
  out(`ok: ${plural(result.events, 'event')}, head ${result.head.hash}`)
  const grants = await verifyGrants(rt.store, chain)
  if (!grants.ok) {
    out(`grants of petition ${grants.petition} differ from its events: ${grants.problem}`)
    return false
  }
  out(
    `ok: the grants of ${plural(grants.petitions, 'petition')} ${grants.petitions === 1 ? 'are what its events say' : 'are what their events say'}`,
  )
  if (!expected) return true
  const found = await checkCheckpoints(rt.store, rt.checkpointSigner, chain, expected.checkpoints)
  if (!found.ok) {
    out(`checkpoint failed: ${expected.file}: ${found.problem}`)
    return false
  }
  out(
    `ok: ${found.checked} checkpoints from ${expected.file} are in the log (the latest at seq ${found.latest})`,
  )
  return true
}

async function readCheckpoints(file: string): Promise<{ file: string; checkpoints: Checkpoint[] }> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw invalid(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`)
  }
  return { file, checkpoints: parseCheckpoints(text, file) }
}
