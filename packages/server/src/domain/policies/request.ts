import type { EventResource } from '@openindent/contract'
import { identityOf, isUserKind, personEmail } from '../identity.js'
import type { CedarEntity, CedarRequest } from './engine.js'
import type { RequesterFacts } from './ports.js'
import { WEEKDAYS } from './schema.js'

const ROLE_ORDER = ['editor', 'petitionAdmin', 'viewer'] as const

/** What policies see of one request, apart from who and what. */
export interface RequestContext {
  reason: string
  durationSeconds: number
  hour: number
  minute: number
  weekday: string
}

const formatters = new Map<string, Intl.DateTimeFormat>()
/** The last answer per time zone, by minute: every zone in use today is offset by whole minutes. */
const lastClock = new Map<
  string,
  { minute: number; clock: Pick<RequestContext, 'hour' | 'minute' | 'weekday'> }
>()

/** Hour, minute and weekday of `at` in `timeZone`, as policies read them. */
export function clockIn(timeZone: string, at: number): Pick<RequestContext, 'hour' | 'minute' | 'weekday'> {
  const minute = Math.floor(at / 60_000)
  const last = lastClock.get(timeZone)
  if (last?.minute === minute) return last.clock
  const clock = readClock(timeZone, at)
  if (lastClock.size >= 1000) lastClock.clear()
  lastClock.set(timeZone, { minute, clock })
  return clock
}

function readClock(timeZone: string, at: number): Pick<RequestContext, 'hour' | 'minute' | 'weekday'> {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'long',
    })
    formatters.set(timeZone, f)
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(at)).map((p) => [p.type, p.value]))
  const weekday = WEEKDAYS.find((d) => d === parts.weekday) ?? 'Sunday'
  return { hour: Number(parts.hour) % 24, minute: Number(parts.minute), weekday }
}

/** The groups a requester is in: the comma-separated `groups` label of their uploaded user resource. */
export function groupsOf(labels: Record<string, string>): string[] {
  return [
    ...new Set(
      (labels.groups ?? '')
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean),
    ),
  ].sort()
}

/**
 * The principal's entity for a petitioner. Its groups are its parents, which is all `principal in
 * Group::"g"` needs: Group entities carry nothing, and every entity sent costs Cedar a parse per call.
 */
export function principalEntities(petitioner: EventResource, facts: RequesterFacts): CedarEntity[] {
  const email = isUserKind(petitioner.kind) ? (personEmail(petitioner) ?? '') : ''
  const groups = groupsOf(facts.userLabels)
  const role = ROLE_ORDER.find((r) => facts.roles.includes(r)) ?? ''
  return [
    {
      uid: { type: 'User', id: identityOf(petitioner) },
      attrs: { email, role, roles: [...facts.roles].sort(), groups },
      parents: groups.map((g) => ({ type: 'Group', id: g })),
      tags: facts.userLabels,
    },
  ]
}

/** The resource's entity, with its stored labels; `labels` undefined when it was never uploaded. */
export function resourceEntity(
  target: EventResource,
  labels: Record<string, string> | undefined,
): CedarEntity {
  const kind = target.kind ?? ''
  const id = target.id ?? target.email ?? ''
  return {
    uid: { type: 'Resource', id: `${kind}/${id}` },
    attrs: { kind, id, known: labels !== undefined },
    parents: [],
    tags: labels ?? {},
  }
}

export function cedarRequest(
  principal: CedarEntity[],
  resource: CedarEntity,
  context: RequestContext,
  facts: RequesterFacts,
): CedarRequest {
  const [user] = principal
  if (!user) throw new Error('a request needs a principal')
  return {
    principal: user.uid,
    resource: resource.uid,
    context: { ...context, openPetitions: facts.openPetitions, hasGrant: facts.hasGrant },
    entities: [...principal, resource],
  }
}
