import { toIso } from '../clock.js'
import type { Ctx } from '../context.js'
import { invalid } from '../errors.js'
import type { Repositories } from '../unit-of-work.js'
import type { CheckpointClaims, CheckpointSigner } from './checkpoint-signer.js'
import type { ChainHead } from './ports.js'
import { GENESIS_HASH } from './types.js'

/**
 * A signed statement that a chain had this head at this time: the claims in the clear, and `jws`
 * over them. Kept where whoever controls the database cannot reach, it catches what verify alone
 * cannot: events cut from the end with the head rewound, or the whole chain recomputed from genesis.
 */
export interface Checkpoint extends CheckpointClaims {
  jws: string
}

export async function takeCheckpoint(
  ctx: Pick<Ctx, 'clock'>,
  signer: CheckpointSigner,
  head: ChainHead,
): Promise<Checkpoint> {
  const claims: CheckpointClaims = {
    chain: head.chain,
    seq: head.seq,
    hash: head.hash,
    time: toIso(ctx.clock.now()),
  }
  if (head.space !== undefined) claims.space = head.space
  return { ...claims, jws: await signer.sign(claims) }
}

/** Checkpoints, one JSON object a line (blank lines skipped), as `audit head` prints and the job appends. */
export function parseCheckpoints(text: string, source: string): Checkpoint[] {
  const out: Checkpoint[] = []
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      value = undefined
    }
    const cp = value as Partial<Checkpoint> | undefined
    if (typeof cp?.chain !== 'string' || typeof cp.seq !== 'number' || typeof cp.jws !== 'string')
      throw invalid(`${source} line ${i + 1} is not a checkpoint`)
    out.push(cp as Checkpoint)
  }
  return out
}

export type CheckpointResult = { ok: true; checked: number; latest: number } | { ok: false; problem: string }

/**
 * Checks that each checkpoint of `chain` was signed by this instance's key, says what it signed, and
 * is still in the log: the event at its seq has its hash. With the chain verified up to its head,
 * that means nothing up to that seq was removed or rewritten since the checkpoint was taken.
 */
export async function checkCheckpoints(
  store: Pick<Repositories, 'audit'>,
  signer: CheckpointSigner,
  chain: string,
  checkpoints: readonly Checkpoint[],
): Promise<CheckpointResult> {
  const mine = checkpoints.filter((cp) => cp.chain === chain)
  if (mine.length === 0) return { ok: false, problem: 'it holds no checkpoint of this log' }
  let latest = 0
  for (const cp of mine) {
    const signed = await signer.verify(cp.jws)
    if (!signed)
      return {
        ok: false,
        problem: `the checkpoint of seq ${cp.seq} does not verify: not signed with this instance's key`,
      }
    if (!sameClaims(signed, cp))
      return { ok: false, problem: `the checkpoint of seq ${cp.seq} says other things than it signed` }
    const problem = await notInLog(store, signed)
    if (problem) return { ok: false, problem }
    latest = Math.max(latest, signed.seq)
  }
  return { ok: true, checked: mine.length, latest }
}

function sameClaims(signed: CheckpointClaims, cp: Checkpoint): boolean {
  return (
    signed.chain === cp.chain &&
    signed.seq === cp.seq &&
    signed.hash === cp.hash &&
    signed.time === cp.time &&
    signed.space === cp.space
  )
}

async function notInLog(
  store: Pick<Repositories, 'audit'>,
  cp: CheckpointClaims,
): Promise<string | undefined> {
  const taken = `the checkpoint taken at ${cp.time}`
  if (cp.seq === 0)
    return cp.hash === GENESIS_HASH ? undefined : `${taken} names seq 0 with a hash other than genesis`
  const [row] = await store.audit.list(cp.chain, {}, { ascending: true, after: cp.seq - 1, limit: 1 })
  if (row?.seq !== cp.seq) {
    const head = await store.audit.head(cp.chain)
    return `the log no longer holds event ${cp.seq} of ${taken} (its head is at seq ${head?.seq ?? 0}): events were removed`
  }
  if (row.hash !== cp.hash)
    return `event ${cp.seq} no longer has the hash ${taken} recorded: the log was rewritten`
  return undefined
}
