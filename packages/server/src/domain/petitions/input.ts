import {
  type DurationInput,
  type EventResource,
  type PetitionResource,
  parseGoDuration,
  protoDurationMs,
} from '@openindent/contract'
import type { SpaceAccess } from '../auth/principal.js'
import { invalid } from '../errors.js'
import { canonicalPetitioners } from '../identity.js'

/** Wire petitioners/targets → event resources; each needs an id, or (for a person) an email. */
export function toSubjects(list: PetitionResource[], param: string): EventResource[] {
  return list.map((r, i) => {
    if (!r.id && !r.email) throw invalid(`${param}.${i}: give an id (or an email)`, `${param}.${i}`)
    const out: EventResource = { kind: r.kind }
    if (r.id !== undefined) out.id = r.id
    if (r.email !== undefined) out.email = r.email.toLowerCase()
    if (r.displayName !== undefined) out.displayName = r.displayName
    if (r.altIds !== undefined) out.altIds = r.altIds
    if (r.labels !== undefined) out.labels = r.labels
    return out
  })
}

/** Wire petitioners → canonical event resources (see identity.ts). */
export function toPetitioners(list: PetitionResource[], param: string): EventResource[] {
  return canonicalPetitioners(toSubjects(list, param), param)
}

/** Without petitioners, a user asks for themselves; a service account must name them. */
export function petitionersOrSelf(
  list: PetitionResource[] | undefined,
  access: SpaceAccess,
): EventResource[] {
  if (list?.length) return toPetitioners(list, 'petitioners')
  const p = access.principal
  if (p.type === 'user') return [{ kind: 'user', id: p.user.email, email: p.user.email }]
  throw invalid('petitioners: a service account must name the petitioners', 'petitioners')
}

/** A requested duration → ms; undefined when absent. A Go duration string, or `{ seconds, nanos }`. */
export function requestedDuration(value: DurationInput | undefined, param: string): number | undefined {
  if (value === undefined || value === '') return undefined
  const ms = typeof value === 'string' ? parseGoDuration(value) : protoDurationMs(value)
  if (ms === undefined || ms <= 0 || !Number.isInteger(ms)) {
    throw invalid(
      `${param}: ${JSON.stringify(value)} is not a positive duration in whole milliseconds, such as "2h" or { "seconds": 7200 }`,
      param,
    )
  }
  return ms
}
