import type { EventResource } from '@openindent/contract'
import type { PetitionReview } from '../../domain/petitions/review.js'
import { askedAt, grantsText, type ReviewSignals } from '../../domain/petitions/signals.js'
import { targetKey } from '../../domain/petitions/types.js'
import type { ResourceSummary } from '../../domain/resources/types.js'
import { humanDuration, iso, relative } from './format.js'
import { type Html, html } from './markup.js'

// Tagged templates rather than JSX here: the inbox renders 25 cards per page, and building and walking
// a JSX tree for them cost more than the page's queries (bench/dashboard). `html` escapes every value
// it interpolates, as JSX does; only other `html` results pass through unescaped.

/** What a card shows of a petition: the inbox reads no more than this, a petition's page much more. */
export type CardReview = Pick<PetitionReview, 'petition' | 'policy' | 'approvedBy'>

export const petitionPath = (space: string, name: string) =>
  `/spaces/${encodeURIComponent(space)}/petitions/${encodeURIComponent(name)}`

/** A time as "5 min ago", the exact UTC time on hover and for assistive technology. */
export function When({ at, now }: { at: number; now: number }): Html {
  const exact = iso(at)
  return html`<time datetime="${exact}" title="${exact}">${relative(at, now)}</time>`
}

/** A person or account as people read it: display name, then email or id. */
export function Who({ r }: { r: EventResource }): Html {
  const handle = r.email ?? r.id ?? ''
  return r.displayName
    ? html`<span>${r.displayName} <small>(${handle})</small></span>`
    : html`<span>${handle}</span>`
}

/** What a target is called: its uploaded display name, else the petition's, else its id or email. */
export const targetName = (r: EventResource, known: ResourceSummary | undefined) =>
  known?.displayName ?? r.displayName ?? r.id ?? r.email

/** A target with its uploaded display name, kind and labels (the ones rules select on). */
export function Target({ r, known }: { r: EventResource; known: ResourceSummary | undefined }): Html {
  const labels = Object.entries(known?.labels ?? {}).map(
    ([k, v]) => html`<code class="label">${k}: ${v}</code>`,
  )
  return html`<span>${targetName(r, known)} <small>${r.kind}</small> ${labels}</span>`
}

/** Where it stands: "1 of 2 approvals", granted, or closed and why. */
export function standing(review: CardReview): string {
  const p = review.petition
  if (p.phase === 'open') {
    return `${review.approvedBy.length} of ${review.policy.minApprovals} approval${review.policy.minApprovals === 1 ? '' : 's'}`
  }
  if (p.phase === 'granted') return 'granted'
  return `closed: ${p.outcome ?? 'closed'}`
}

/** A card's signals in a few words: its petitioner(s) and targets are on the card already. */
function signalWords(s: ReviewSignals): string[] {
  const single = s.grantsHeld.length === 1
  return [
    ...(s.firstRequests.length > 0 ? ['first request'] : []),
    ...s.grantsHeld
      .filter((g) => single || g.count > 0)
      .map(
        (g) =>
          `${single ? '' : `${g.petitioner.email ?? g.petitioner.id ?? ''} `}holds ${grantsText(g.count)} now`,
      ),
    ...(s.outsideHours ? [`outside working hours: ${askedAt(s.outsideHours)}`] : []),
  ]
}

/** One petition answering who, what, why, for how long, when and where it stands. */
export function PetitionCard(props: {
  review: CardReview
  targets: Map<string, ResourceSummary>
  space: string
  now: number
  /** Shown in a row of their own (the inbox); a petition's page lists them below the card instead. */
  signals?: ReviewSignals | undefined
}): Html {
  const { review, targets, now } = props
  const p = review.petition
  const requested = p.durationMs ?? review.policy.defaultMs
  const who = p.petitioners.map((r, i) => html`${i > 0 ? ', ' : ''}${Who({ r })}`)
  const resources = p.resources.map((r) => html`<li>${Target({ r, known: targets.get(targetKey(r)) })}</li>`)
  const approvedBy = review.approvedBy.length
    ? html`<small> (approved by ${review.approvedBy.map((w) => w.replace(/^user\//, '')).join(', ')})</small>`
    : ''
  const words = props.signals ? signalWords(props.signals) : []
  const signals = words.length ? html`<dt>Signals</dt><dd class="signals">${words.join(' · ')}</dd>` : ''
  return html`<article id="petition-${p.name}"><header><h3><a href="${petitionPath(props.space, p.name)}">${who}</a></h3></header><dl class="facts"><dt>Resources</dt><dd><ul>${resources}</ul></dd><dt>Reason</dt><dd>${p.reason ?? html`<em>none given</em>`}</dd><dt>Duration</dt><dd>${humanDuration(requested)} <small>(at most ${humanDuration(review.policy.maxMs)})</small></dd><dt>Asked</dt><dd>${When({ at: p.createTime, now })}</dd><dt>Rule</dt><dd>${review.policy.rules.map((r) => r.name).join(', ')}</dd><dt>Status</dt><dd><strong>${standing(review)}</strong>${approvedBy}</dd>${signals}</dl></article>`
}
