/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { EventResource } from '@openindent/contract'
import type { PetitionReview } from '../../domain/petitions/review.js'
import { targetKey } from '../../domain/petitions/types.js'
import type { ResourceRecord } from '../../domain/resources/types.js'
import { humanDuration } from './format.js'
import { When } from './layout.js'

export const petitionPath = (space: string, name: string) =>
  `/spaces/${encodeURIComponent(space)}/petitions/${encodeURIComponent(name)}`

/** A person or account as people read it: display name, then email or id. */
export function Who({ r }: { r: EventResource }) {
  const handle = r.email ?? r.id ?? ''
  return (
    <span>
      {r.displayName ? (
        <>
          {r.displayName} <small>({handle})</small>
        </>
      ) : (
        handle
      )}
    </span>
  )
}

/** A target with its uploaded display name, kind and labels (the ones rules select on). */
export function Target({ r, known }: { r: EventResource; known: ResourceRecord | undefined }) {
  const labels = Object.entries(known?.labels ?? {})
  return (
    <span>
      {known?.displayName ?? r.displayName ?? r.id ?? r.email} <small>{r.kind}</small>{' '}
      {labels.map(([k, v]) => (
        <code class="label">
          {k}: {v}
        </code>
      ))}
    </span>
  )
}

/** Where it stands: "1 of 2 approvals", granted, or closed and why. */
export function standing(review: PetitionReview): string {
  const p = review.petition
  if (p.phase === 'open') {
    return `${review.approvedBy.length} of ${review.policy.minApprovals} approval${review.policy.minApprovals === 1 ? '' : 's'}`
  }
  if (p.phase === 'granted') return 'granted'
  return `closed: ${p.outcome ?? 'closed'}`
}

/** One petition answering who, what, why, for how long, when and where it stands. */
export function PetitionCard(props: {
  review: PetitionReview
  targets: Map<string, ResourceRecord>
  space: string
  now: number
}) {
  const { review, targets, now } = props
  const p = review.petition
  const requested = p.durationMs ?? review.policy.defaultMs
  return (
    <article id={`petition-${p.name}`}>
      <header>
        <h3>
          <a href={petitionPath(props.space, p.name)}>
            {p.petitioners.map((r, i) => (
              <>
                {i > 0 ? ', ' : ''}
                <Who r={r} />
              </>
            ))}
          </a>
        </h3>
      </header>
      <dl class="facts">
        <dt>Resources</dt>
        <dd>
          <ul>
            {p.resources.map((r) => (
              <li>
                <Target r={r} known={targets.get(targetKey(r))} />
              </li>
            ))}
          </ul>
        </dd>
        <dt>Reason</dt>
        <dd>{p.reason ?? <em>none given</em>}</dd>
        <dt>Duration</dt>
        <dd>
          {humanDuration(requested)} <small>(at most {humanDuration(review.policy.maxMs)})</small>
        </dd>
        <dt>Asked</dt>
        <dd>
          <When at={p.createTime} now={now} />
        </dd>
        <dt>Rule</dt>
        <dd>{review.policy.rules.map((r) => r.name).join(', ')}</dd>
        <dt>Status</dt>
        <dd>
          <strong>{standing(review)}</strong>
          {review.approvedBy.length ? (
            <small>
              {' '}
              (approved by {review.approvedBy.map((who) => who.replace(/^user\//, '')).join(', ')})
            </small>
          ) : null}
        </dd>
      </dl>
    </article>
  )
}
