import type { Repositories } from '../unit-of-work.js'
import type { ChainRecord, EventLink } from './ports.js'
import { chainHash, GENESIS_HASH } from './types.js'
import { rowProblem } from './verify-rows.js'

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

export interface VerifyOptions {
  /** Events read per query (and held in memory at once). */
  batch?: number
}

/** How often a verify re-reads the head after finding events appended while it ran. */
const MAX_CATCH_UPS = 100

/**
 * Walks a chain from genesis in batches and reports the first place it breaks: a missing or extra
 * seq, a prev_hash that is not the hash before it, a hash that does not cover the stored bytes, a row
 * whose columns, petition or resource index rows disagree with its body (see verify-rows), index rows
 * for an event that does not exist, or a head that is not the last event. It reads outside a
 * transaction, so events a running server appends meanwhile are verified too, not reported.
 */
export async function verifyChain(
  store: Pick<Repositories, 'audit'>,
  spaceId: string,
  opts: VerifyOptions = {},
): Promise<VerifyResult> {
  const batch = opts.batch ?? 1000
  let seq = 0
  let hash = GENESIS_HASH
  const fail = (at: number, problem: string): VerifyResult => ({ ok: false, events: seq, seq: at, problem })
  const stray = (l: EventLink) =>
    fail(l.seq, `event_resources lists ${l.kind}/${l.id} under seq ${l.seq}: no such event`)

  const check = (row: ChainRecord, links: readonly EventLink[]): VerifyResult | undefined => {
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
    const mismatch = rowProblem(row, links)
    if (mismatch) return fail(row.seq, mismatch)
    seq = row.seq
    hash = row.hash
    return undefined
  }

  /** One batch of events with the index rows in its seq range (below it too, on the first). */
  const checkPage = async (rows: ChainRecord[]): Promise<VerifyResult | undefined> => {
    const last = rows[rows.length - 1]
    if (!last) return undefined
    const links = await store.audit.links(spaceId, { after: seq === 0 ? undefined : seq, through: last.seq })
    const bySeq = new Map<number, EventLink[]>()
    for (const l of links) bySeq.set(l.seq, [...(bySeq.get(l.seq) ?? []), l])
    for (const row of rows) {
      const problem = check(row, bySeq.get(row.seq) ?? [])
      if (problem) return problem
      bySeq.delete(row.seq)
    }
    const left = [...bySeq.values()][0]?.[0]
    return left && stray(left)
  }

  /** Reads and checks batches from `seq` on, until one comes back short. */
  const readOn = async (): Promise<VerifyResult | undefined> => {
    for (;;) {
      const rows = await store.audit.list(spaceId, {}, { ascending: true, after: seq, limit: batch })
      const problem = await checkPage(rows)
      if (problem || rows.length < batch) return problem
    }
  }

  for (let round = 0; ; round++) {
    const before = seq
    const problem = await readOn()
    if (problem) return problem
    // Index rows past the last event, read before the head: an append committed in between moves it.
    const [beyond] = await store.audit.links(spaceId, { after: seq, limit: 1 })
    const head = await store.audit.head(spaceId)
    if (!head) return fail(seq + 1, 'the chain has no audit head')
    if (head.seq < seq) return fail(head.seq + 1, `events after the head (seq ${head.seq}) were added`)
    if (head.seq === seq) {
      if (head.hash !== hash) return fail(seq, 'the head hash is not the hash of the last event')
      if (beyond) return stray(beyond)
      return { ok: true, events: seq, head: { seq, hash } }
    }
    // The head is ahead: events were appended while we read (read on), or the last ones were removed.
    if ((round > 0 && seq === before) || round >= MAX_CATCH_UPS)
      return fail(seq + 1, `event ${seq + 1} is missing (the head is at seq ${head.seq})`)
  }
}
