/**
 * The approval watch stream (`GET /v1/spaces/{space}/approvals:watch`, server-sent events): what an
 * SDK needs to keep its cached approval-check answers true. No zod here: the SDK imports it.
 *
 * Events, each `event: <name>` and one `data:` line of JSON:
 * - `ready` `{ now }`: subscribed; from here on every change is pushed. `now` is the server's clock
 *   (epoch ms), for honouring expiry times locally.
 * - `ping` `{ now }`: every {@link WATCH_HEARTBEAT_MS} ms, so a silent stream is known to be down.
 * - `petition` {@link WatchPetitionEvent}: a petition changed (revoked, expired, closed, denied, …).
 * - `end` `{ reason }`: the server ends the stream (the token no longer has access, or the instance
 *   can no longer hear every change); cached answers must go.
 */

/** How often the server sends `ping`. */
export const WATCH_HEARTBEAT_MS = 250

/** A petition's step, with the identities and targets it concerns (see {@link subjectKey}). */
export interface WatchPetitionEvent {
  type: string
  petition: string
  /** Identity keys of its petitioners. */
  petitioners: string[]
  /** Target keys of its resources. */
  resources: string[]
  /** Epoch milliseconds. */
  at: number
}

/** The subject fields the keys read. */
export interface KeyedSubject {
  kind?: string | undefined
  id?: string | undefined
  email?: string | undefined
}

const EMAILISH = /^[^\s@/]+@[^\s@/]+$/

/** Whether `kind` names a person. */
export const isUserKind = (kind: string | undefined): boolean => kind?.trim().toLowerCase() === 'user'

/** A person's normalized email (from `email`, or `id` when that is one), or undefined. */
export function personEmail(r: KeyedSubject): string | undefined {
  for (const candidate of [r.email, r.id]) {
    const e = candidate?.trim().toLowerCase()
    if (e && EMAILISH.test(e)) return e
  }
  return undefined
}

/**
 * The identity a petitioner is compared under: `user/<email>` for a person, `<kind>/<id>` otherwise.
 * The server's grants and the SDK's decision cache use the same function.
 */
export function subjectKey(r: KeyedSubject): string {
  if (isUserKind(r.kind)) {
    const email = personEmail(r)
    if (email) return `user/${email}`
  }
  return `${r.kind?.trim() ?? ''}/${r.id?.trim() ?? r.email?.trim().toLowerCase() ?? ''}`
}

/** How a target is identified: `kind/id` exactly as uploaded (or `kind/email` when it has no id). */
export function targetKey(r: KeyedSubject): string {
  return `${r.kind ?? ''}/${r.id ?? r.email?.toLowerCase() ?? ''}`
}
