import { MAX_WAIT_SECONDS } from '@openindent/contract'
import type { SpaceAccess } from '../auth/principal.js'
import type { Clock } from '../clock.js'
import type { EventFeed } from '../events.js'
import type { PetitionDeps } from './deps.js'
import { getPetition } from './queries.js'
import type { PetitionRecord } from './types.js'

/** The hold a caller asked for, in ms: never longer than the protocol allows nor than this server is configured for. */
export function holdMs(seconds: number | undefined, maxMs: number): number {
  return Math.min(Math.round((seconds ?? 0) * 1000), MAX_WAIT_SECONDS * 1000, maxMs)
}

/**
 * Holds a long-poll until its answer is final or `waitMs` has passed on `clock`, re-reading after each
 * event for the petition. It subscribes before it reads again, so a decision that lands between the
 * first read and the subscription is not missed.
 */
export async function holdUntilSettled<T>(
  deps: { feed: EventFeed; clock: Clock },
  spaceId: string,
  first: T,
  how: {
    waitMs: number
    /** The petition whose events may settle the answer; undefined when there is none to wait on. */
    petitionOf: (answer: T) => string | undefined
    /** Reads the answer again; `previous` is the answer so far. */
    read: (previous: T) => Promise<T>
    settled: (answer: T) => boolean
  },
): Promise<T> {
  const deadline = deps.clock.now() + how.waitMs
  let answer = first
  while (!how.settled(answer)) {
    const left = deadline - deps.clock.now()
    const petition = how.petitionOf(answer)
    if (left <= 0 || petition === undefined) break
    const { signalled, cancel } = waitForEvent(deps.feed, spaceId, petition, left)
    const again = await how.read(answer)
    if (how.settled(again)) {
      cancel()
      return again
    }
    answer = again
    if (!(await signalled)) break
    answer = await how.read(answer)
  }
  return answer
}

/** Resolves true at the next committed event of the petition, or false after `ms`. */
export function waitForEvent(
  feed: EventFeed,
  spaceId: string,
  petition: string,
  ms: number,
): { signalled: Promise<boolean>; cancel: () => void } {
  let cancel = () => {}
  const signalled = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => done(false), ms)
    const unsubscribe = feed.subscribe((events) => {
      if (events.some((e) => e.spaceId === spaceId && e.petition === petition)) done(true)
    })
    function done(value: boolean) {
      clearTimeout(timer)
      unsubscribe()
      resolve(value)
    }
    cancel = () => done(false)
  })
  return { signalled, cancel }
}

/** The petition once it leaves `open`, or as it is when the wait ends. */
export async function waitForDecision(
  deps: PetitionDeps,
  access: SpaceAccess,
  name: string,
  waitMs: number,
): Promise<PetitionRecord> {
  const read = () => getPetition(deps, access, name)
  return holdUntilSettled(deps, access.space.id, await read(), {
    waitMs,
    petitionOf: (p) => p.name,
    read,
    settled: (p) => p.phase !== 'open',
  })
}
