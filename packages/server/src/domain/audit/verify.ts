import type { Repositories } from '../unit-of-work.js'
import type { ChainRecord } from './ports.js'
import { chainHash, GENESIS_HASH } from './types.js'

export type VerifyResult =
  | { ok: true; events: number; head: { seq: number; hash: string } }
  | {
      ok: false
      /** Events found intact before the problem. */
      events: number
      /** Where the chain breaks. */
      seq: number
      problem: string
    }

/** How often a verify re-reads the head after finding events appended while it ran. */
const MAX_CATCH_UPS = 100

/**
 * Walks a space's chain from genesis and reports the first place it breaks: a missing or extra seq,
 * a prev_hash that is not the hash before it, a hash that does not cover the stored bytes, a row whose
 * query columns disagree with its body, or a head that is not the last event. It reads outside a
 * transaction, so events a running server appends meanwhile are verified too, not reported.
 */
export async function verifyChain(
  store: Pick<Repositories, 'audit'>,
  spaceId: string,
): Promise<VerifyResult> {
  let seq = 0
  let hash = GENESIS_HASH
  const fail = (at: number, problem: string): VerifyResult => ({ ok: false, events: seq, seq: at, problem })
  const check = (row: ChainRecord): VerifyResult | undefined => {
    const expected = seq + 1
    if (row.seq !== expected) {
      return fail(
        expected,
        row.seq > expected
          ? `event ${expected}${row.seq - 1 > expected ? `..${row.seq - 1}` : ''} is missing (next stored is ${row.seq})`
          : `event ${row.seq} is stored out of order`,
      )
    }
    if (row.prevHash !== hash)
      return fail(row.seq, `prev_hash is not the hash of event ${seq === 0 ? '0 (genesis)' : seq}`)
    if (row.hash !== chainHash(row.prevHash, row.seq, row.body))
      return fail(row.seq, 'hash does not match the stored event (its body was changed)')
    const mismatch = columnMismatch(row)
    if (mismatch) return fail(row.seq, mismatch)
    seq = row.seq
    hash = row.hash
    return undefined
  }

  for await (const row of store.audit.scan(spaceId)) {
    const problem = check(row)
    if (problem) return problem
  }
  for (let round = 0; ; round++) {
    const head = await store.audit.head(spaceId)
    if (!head) return fail(seq + 1, 'the space has no audit head')
    if (head.seq < seq) return fail(head.seq + 1, `events after the head (seq ${head.seq}) were added`)
    if (head.seq === seq) {
      if (head.hash !== hash) return fail(seq, 'the head hash is not the hash of the last event')
      return { ok: true, events: seq, head: { seq, hash } }
    }
    // The head is ahead: events were appended while we read, or the last ones were removed.
    const more = await store.audit.list(spaceId, {}, { ascending: true, after: seq, limit: 1000 })
    if (more.length === 0 || round >= MAX_CATCH_UPS)
      return fail(seq + 1, `event ${seq + 1} is missing (the head is at seq ${head.seq})`)
    for (const row of more) {
      const problem = check(row)
      if (problem) return problem
    }
  }
}

/** The indexed columns are copies of the body's fields; a query must not find what the body denies. */
function columnMismatch(row: ChainRecord): string | undefined {
  let body: unknown
  try {
    body = JSON.parse(row.body)
  } catch {
    return 'the stored body is not JSON'
  }
  if (body === null || typeof body !== 'object') return 'the stored body is not an event'
  const e = body as {
    id?: unknown
    event?: unknown
    timestamp?: unknown
    actor?: { kind?: unknown; id?: unknown; email?: unknown }
  }
  if (e.event !== row.event) return `the event column (${row.event}) is not the body's event`
  if (e.id !== row.id) return "the id column is not the body's id"
  if (typeof e.timestamp !== 'string' || Date.parse(e.timestamp) !== Number(row.timestamp))
    return "the timestamp column is not the body's timestamp"
  const actorKind = e.actor?.kind ?? null
  const actorId = e.actor?.id ?? e.actor?.email ?? null
  if (actorKind !== row.actorKind || actorId !== row.actorId)
    return "the actor columns are not the body's actor"
  return undefined
}
