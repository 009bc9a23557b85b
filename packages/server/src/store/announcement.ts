import type { DomainEvent, PetitionEventType } from '../domain/events.js'

/** PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more; stay well below it. */
const MAX_PAYLOAD = 7000

interface Wire {
  /** The announcing instance. */
  i: string
  /** Events as `[type, spaceId, petition, at]`. */
  e: [PetitionEventType, string, string, number][]
}

/**
 * A commit's announcement to other instances: who committed and the events, compactly. Always at least
 * one payload, since every commit may have changed what other instances cached.
 */
export function encodeAnnouncement(instanceId: string, events: readonly DomainEvent[]): string[] {
  const payloads: string[] = []
  let batch: Wire['e'] = []
  let size = 0
  for (const e of events) {
    const item: Wire['e'][number] = [e.type, e.spaceId, e.petition, e.at]
    const len = JSON.stringify(item).length + 1
    if (batch.length > 0 && size + len > MAX_PAYLOAD) {
      payloads.push(JSON.stringify({ i: instanceId, e: batch } satisfies Wire))
      batch = []
      size = 0
    }
    batch.push(item)
    size += len
  }
  payloads.push(JSON.stringify({ i: instanceId, e: batch } satisfies Wire))
  return payloads
}

/** The announcing instance and events of a payload; undefined for one this version cannot read. */
export function decodeAnnouncement(
  payload: string,
): { instanceId: string; events: DomainEvent[] } | undefined {
  try {
    const w = JSON.parse(payload) as Partial<Wire>
    if (typeof w.i !== 'string' || !Array.isArray(w.e)) return undefined
    const events = w.e.map(
      ([type, spaceId, petition, at]): DomainEvent => ({ kind: 'petition', type, spaceId, petition, at }),
    )
    return { instanceId: w.i, events }
  } catch {
    return undefined
  }
}
