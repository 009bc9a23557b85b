import type { DomainEvent, PetitionEventType } from '../domain/events.js'

/** PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more; stay well below it. */
const MAX_PAYLOAD = 7000

interface Wire {
  /** The announcing instance. */
  i: string
  /** Events as `[type, spaceId, petition, at]`. */
  e: [PetitionEventType, string, string, number][]
  /**
   * On the last payload of a commit that takes access away: the id every other instance acknowledges
   * once it has applied the commit (see postgres/barrier.ts). Older versions ignore it.
   */
  b?: string
  /** 1 when the events describe all the commit changed that a cache may hold (UnitOfWork.narrow). */
  n?: 1
}

/** What an announcement says, decoded. */
export interface Announcement {
  instanceId: string
  events: DomainEvent[]
  /** Set when the committing instance waits for an acknowledgement (see `Wire.b`). */
  barrier?: string
  /** See `Wire.n`; false for an older instance's announcement, which drops every cache as before. */
  narrow: boolean
}

/**
 * A commit's announcement to other instances: who committed and the events, compactly. Always at least
 * one payload, since every commit may have changed what other instances cached. `barrier` goes on the
 * last payload, so an instance acknowledges only once it has applied all of them.
 */
export function encodeAnnouncement(
  instanceId: string,
  events: readonly DomainEvent[],
  barrier?: string,
  narrow = false,
): string[] {
  const payloads: string[] = []
  let batch: Wire['e'] = []
  let size = 0
  for (const e of events) {
    const item: Wire['e'][number] = [e.type, e.spaceId, e.petition, e.at]
    const len = JSON.stringify(item).length + 1
    if (batch.length > 0 && size + len > MAX_PAYLOAD) {
      payloads.push(JSON.stringify({ i: instanceId, e: batch, ...(narrow ? { n: 1 } : {}) } satisfies Wire))
      batch = []
      size = 0
    }
    batch.push(item)
    size += len
  }
  payloads.push(
    JSON.stringify({
      i: instanceId,
      e: batch,
      ...(barrier ? { b: barrier } : {}),
      ...(narrow ? { n: 1 } : {}),
    } satisfies Wire),
  )
  return payloads
}

/** The announcing instance and events of a payload; undefined for one this version cannot read. */
export function decodeAnnouncement(payload: string): Announcement | undefined {
  try {
    const w = JSON.parse(payload) as Partial<Wire>
    if (typeof w.i !== 'string' || !Array.isArray(w.e)) return undefined
    const events = w.e.map(
      ([type, spaceId, petition, at]): DomainEvent => ({ kind: 'petition', type, spaceId, petition, at }),
    )
    const narrow = w.n === 1
    return typeof w.b === 'string'
      ? { instanceId: w.i, events, barrier: w.b, narrow }
      : { instanceId: w.i, events, narrow }
  } catch {
    return undefined
  }
}
