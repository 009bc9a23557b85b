import type { EventResource } from '@openindent/contract'
import { identityOf } from '../identity.js'
import { clockIn } from '../policies/request.js'
import type { Repositories } from '../unit-of-work.js'
import { type PetitionRecord, targetKey } from './types.js'

/** Mondays to Fridays, 08:00 to 18:00 in the space's time zone: outside that, a request is flagged. */
const WORKING = { from: 8, to: 18, days: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'] }
/** A petition names few petitioners and targets; past this many pairs the page stays cheap. */
const MAX_PAIRS = 10

/** What a reviewer would want to know before deciding, when it is cheap to know. */
export interface ReviewSignals {
  /** Petitioner × target pairs this petition asks for the first time. */
  firstRequests: { petitioner: EventResource; target: EventResource }[]
  /** Grants each petitioner holds now, over every target. */
  grantsHeld: { petitioner: EventResource; count: number }[]
  /** Set when the petition was asked outside working hours, as the space's clock read then. */
  outsideHours?: { weekday: string; hour: number; minute: number; timeZone: string }
}

/** One petition's signals (see `signalsFor`). */
export async function reviewSignals(
  store: Pick<Repositories, 'signals' | 'policies'>,
  p: PetitionRecord,
  now: number,
): Promise<ReviewSignals> {
  const [signals] = await signalsFor(store, p.spaceId, [p], now)
  return signals as ReviewSignals
}

/** The signals of a page of petitions of one space, in their order: three reads for the whole page. */
export async function signalsFor(
  store: Pick<Repositories, 'signals' | 'policies'>,
  spaceId: string,
  petitions: readonly PetitionRecord[],
  now: number,
): Promise<ReviewSignals[]> {
  const pairsOf = petitions.map((p) =>
    p.petitioners
      .flatMap((petitioner) => p.resources.map((target) => ({ petitioner, target })))
      .slice(0, MAX_PAIRS),
  )
  const asks = petitions.flatMap((p, i) =>
    (pairsOf[i] ?? []).map((pair) => ({
      petitioner: identityOf(pair.petitioner),
      target: targetKey(pair.target),
      except: p.name,
      before: p.createTime,
    })),
  )
  const petitioners = [...new Set(petitions.flatMap((p) => p.petitioners.map(identityOf)))]
  const [asked, held, info] = await Promise.all([
    asks.length > 0 ? store.signals.askedBefore(spaceId, asks) : new Set<number>(),
    petitioners.length > 0 ? store.signals.grantsHeld(spaceId, petitioners, now) : new Map<string, number>(),
    store.policies.info(spaceId),
  ])
  let ask = 0
  return petitions.map((p, i) => {
    const firstRequests = (pairsOf[i] ?? []).filter(() => !asked.has(ask++))
    const signals: ReviewSignals = {
      firstRequests,
      grantsHeld: p.petitioners.map((petitioner) => ({
        petitioner,
        count: held.get(identityOf(petitioner)) ?? 0,
      })),
    }
    const clock = clockIn(info.timeZone, p.createTime)
    if (!WORKING.days.includes(clock.weekday) || clock.hour < WORKING.from || clock.hour >= WORKING.to) {
      signals.outsideHours = { ...clock, timeZone: info.timeZone }
    }
    return signals
  })
}

const pad = (n: number) => String(n).padStart(2, '0')

/** When an odd-hours request was asked, as the space's clock read: `Thursday 19:02 (Asia/Tokyo)`. */
export const askedAt = (o: NonNullable<ReviewSignals['outsideHours']>) =>
  `${o.weekday} ${pad(o.hour)}:${pad(o.minute)} (${o.timeZone})`

const plainName = (r: EventResource) => r.displayName || r.email || r.id || `${r.kind ?? ''}`

/** How many grants someone holds, in words: `no grants`, `1 grant`, `3 grants`. */
export const grantsText = (n: number) => (n === 0 ? 'no grants' : n === 1 ? '1 grant' : `${n} grants`)

/** The signals as lines of plain text, for messages (Slack) that cannot show the page's markup. */
export function signalLines(s: ReviewSignals): string[] {
  return [
    ...s.firstRequests.map((f) => `First request by ${plainName(f.petitioner)} for ${plainName(f.target)}`),
    ...s.grantsHeld.map((g) => `${plainName(g.petitioner)} holds ${grantsText(g.count)} now`),
    ...(s.outsideHours ? [`Asked outside working hours: ${askedAt(s.outsideHours)}`] : []),
  ]
}
