import type { Repositories } from '../unit-of-work.js'
import { compareGrants, deriveGrants } from './grant-derivation.js'

export type GrantsResult = { ok: true; petitions: number } | { ok: false; petition: string; problem: string }

export interface GrantsOptions {
  /**
   * Index entries read per side to find the next petitions (about this many events' worth): those
   * petitions' events and grant rows are what is held in memory at once.
   */
  batch?: number
}

/** How often a petition that disagrees is read again before it is reported (see `checkBatch`). */
const ATTEMPTS = 3

/**
 * Checks the grants table against the events: each petition's grants, as its `access/grant` and
 * `access/revoke` events make and end them, must be exactly its rows in `grants` (who, what, from
 * when, until when, revoked when), since the approval check reads the rows, not the events. Walks
 * the petitions named on either side in batches, so memory holds one batch whatever the log's size.
 * Petitions with neither grant events nor rows pass trivially, and are counted.
 */
export async function verifyGrants(
  store: Pick<Repositories, 'audit'>,
  chain: string,
  opts: GrantsOptions = {},
): Promise<GrantsResult> {
  const batch = opts.batch ?? 1000
  let petitions = 0
  let after: string | undefined
  for (;;) {
    const names = await store.audit.grantPetitions(chain, after, batch)
    const problem = await checkBatch(store, chain, names)
    if (problem) return { ok: false, ...problem }
    petitions += names.length
    const last = names[names.length - 1]
    if (last === undefined) return { ok: true, petitions }
    after = last
  }
}

/**
 * A grant and its event are written in one transaction, but they are read here by two queries: a
 * decision or an expiry committed between them shows as a mismatch once. A real one is still there
 * when the petition is read again.
 */
async function checkBatch(
  store: Pick<Repositories, 'audit'>,
  chain: string,
  names: string[],
): Promise<{ petition: string; problem: string } | undefined> {
  let suspects = names
  for (let attempt = 1; suspects.length > 0; attempt++) {
    const events = await store.audit.grantEvents(chain, suspects)
    const rows = await store.audit.grantRows(chain, suspects)
    const eventsOf = groupBy(events, (e) => e.petition ?? '')
    const rowsOf = groupBy(rows, (r) => r.petition)
    const found: { petition: string; problem: string }[] = []
    for (const petition of suspects) {
      const derived = deriveGrants(eventsOf.get(petition) ?? [])
      const problem =
        'problem' in derived ? derived.problem : compareGrants(derived.grants, rowsOf.get(petition) ?? [])
      if (problem) found.push({ petition, problem })
    }
    if (found.length === 0 || attempt === ATTEMPTS) return found[0]
    suspects = found.map((f) => f.petition)
  }
  return undefined
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = out.get(k)
    if (list) list.push(item)
    else out.set(k, [item])
  }
  return out
}
