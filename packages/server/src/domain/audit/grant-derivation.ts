import { EVENT_NAMES, type EventResource, LABELS } from '@openindent/contract'
import { identityOf } from '../identity.js'
import { targetKey } from '../petitions/types.js'
import type { GrantRow, StoredEvent } from './ports.js'

/** A grant as its events tell it. */
export interface DerivedGrant {
  /** `petitionerKey → resourceKey`, as the grants table keys it. */
  who: string
  /** The access/grant event. */
  seq: number
  startTime: number
  expireTime: number | null
  revokeTime: number | null
  /** The access/revoke event, when there is one. */
  revokeSeq?: number
}

const whoOf = (petitionerKey: string, resourceKey: string) => `${petitionerKey} → ${resourceKey}`
const at = (ms: number | null) =>
  ms === null ? 'never' : Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms)

/**
 * One petition's grants from its `access/grant` and `access/revoke` events, oldest first. Each grant
 * event names `[petitioner, target]`, starts at its time and ends at its `indent.com/time/expires`
 * label (never when indefinite); a revoke event ends the oldest live grant of the same pair.
 */
export function deriveGrants(
  events: readonly StoredEvent[],
): { grants: DerivedGrant[] } | { problem: string } {
  const grants: DerivedGrant[] = []
  for (const { seq, event: e } of events) {
    const [petitioner, target, ...rest] = e.resources ?? []
    if (!petitioner || !target || rest.length > 0)
      return { problem: `the ${e.event} event (seq ${seq}) does not name a petitioner and a target` }
    const who = whoOf(identityOf(petitioner as EventResource), targetKey(target as EventResource))
    const time = Date.parse(e.timestamp ?? '')
    if (e.event === EVENT_NAMES.accessGrant) {
      const labels = e.meta?.labels ?? {}
      const expires = labels[LABELS.expires]
      const expireTime =
        labels[LABELS.indefinite] === 'true' || expires === undefined ? null : Date.parse(expires)
      if (Number.isNaN(expireTime))
        return { problem: `the access/grant event (seq ${seq}) has an unreadable expiry` }
      grants.push({ who, seq, startTime: time, expireTime, revokeTime: null })
      continue
    }
    const live = grants.find((g) => g.who === who && g.revokeTime === null)
    if (!live) return { problem: `the access/revoke event (seq ${seq}) ends no live grant of ${who}` }
    live.revokeTime = time
    live.revokeSeq = seq
  }
  return { grants }
}

const same = (d: DerivedGrant, r: GrantRow) =>
  d.startTime === r.startTime && d.expireTime === r.expireTime && d.revokeTime === r.revokeTime

/**
 * The first difference between a petition's derived grants and its rows, or undefined when they are
 * the same. Rows equal to a derived grant pair off first, so a forged row beside a real one of the
 * same pair is the one reported.
 */
export function compareGrants(
  derived: readonly DerivedGrant[],
  rows: readonly GrantRow[],
): string | undefined {
  const leftRows = [...rows].sort((a, b) => a.startTime - b.startTime || (a.id < b.id ? -1 : 1))
  const leftDerived: DerivedGrant[] = []
  for (const d of derived) {
    const i = leftRows.findIndex((r) => whoOf(r.petitionerKey, r.resourceKey) === d.who && same(d, r))
    if (i >= 0) leftRows.splice(i, 1)
    else leftDerived.push(d)
  }
  for (const row of leftRows) {
    const who = whoOf(row.petitionerKey, row.resourceKey)
    const i = leftDerived.findIndex((d) => d.who === who)
    const d = leftDerived[i]
    if (!d) return `grant ${row.id} (${who}) has no access/grant event`
    return difference(row, who, d)
  }
  const missing = leftDerived[0]
  return missing && `the access/grant event (seq ${missing.seq}) for ${missing.who} has no row in grants`
}

function difference(row: GrantRow, who: string, d: DerivedGrant): string {
  const grant = `grant ${row.id} (${who})`
  if (row.startTime !== d.startTime)
    return `${grant} starts at ${at(row.startTime)}, its access/grant event (seq ${d.seq}) at ${at(d.startTime)}`
  if (row.expireTime !== d.expireTime)
    return `${grant} expires ${at(row.expireTime)}, its access/grant event (seq ${d.seq}) says ${at(d.expireTime)}`
  if (row.revokeTime === null)
    return `${grant} is not revoked, but its access/revoke event (seq ${d.revokeSeq}) ended it at ${at(d.revokeTime)}`
  if (d.revokeTime === null) return `${grant} is revoked at ${at(row.revokeTime)} with no access/revoke event`
  return `${grant} is revoked at ${at(row.revokeTime)}, its access/revoke event (seq ${d.revokeSeq}) says ${at(d.revokeTime)}`
}
