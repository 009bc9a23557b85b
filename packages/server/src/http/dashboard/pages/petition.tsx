/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { type EventResource, formatGoDuration, LABELS } from '@openindent/contract'
import type { Context, Hono } from 'hono'
import { accessSpace } from '../../../domain/auth/authenticate.js'
import { DomainError, notFound } from '../../../domain/errors.js'
import { closePetition } from '../../../domain/petitions/lifecycle/close.js'
import { type DecisionInput, decide } from '../../../domain/petitions/lifecycle/decide.js'
import { getPetition } from '../../../domain/petitions/queries.js'
import { type PetitionReview, reviewPetition } from '../../../domain/petitions/review.js'
import { askedAt, grantsText, type ReviewSignals, reviewSignals } from '../../../domain/petitions/signals.js'
import { targetKey } from '../../../domain/petitions/types.js'
import { describeTargets } from '../../../domain/resources/describe.js'
import type { ResourceSummary } from '../../../domain/resources/types.js'
import type { AppDeps } from '../../deps.js'
import { durationChoices } from '../durations.js'
import type { DashEnv } from '../env.js'
import { renderError } from '../errors.js'
import { humanDuration } from '../format.js'
import { CsrfField, Layout, type Viewer, When } from '../layout.js'
import { PetitionCard, petitionPath, Target, targetName, Who } from '../petition-card.js'
import { requireSession } from '../session.js'
import { viewerOf } from '../viewer.js'

function Actions({ review, viewer, space }: { review: PetitionReview; viewer: Viewer; space: string }) {
  const { actions, petition: p, policy } = review
  const base = petitionPath(space, p.name)
  const { options, selected } = durationChoices(policy, p.durationMs)
  if (!actions.approve && !actions.deny && !actions.revoke && !actions.close) {
    return <p>There is nothing you can do on this petition now.</p>
  }
  return (
    <section aria-label="Decide" class="actions">
      {actions.approve ? (
        <form method="post" action={`${base}/approve`}>
          <CsrfField viewer={viewer} />
          <label for="duration">Grant for</label>
          <select id="duration" name="duration">
            {options.map((ms) => (
              <option value={formatGoDuration(ms)} selected={ms === selected}>
                {humanDuration(ms)}
                {ms === selected ? ' (default)' : ''}
              </option>
            ))}
            {policy.allowIndefinite ? <option value="indefinite">until revoked</option> : null}
          </select>
          <button type="submit">Approve</button>
        </form>
      ) : null}
      {actions.deny ? (
        <form method="post" action={`${base}/deny`}>
          <CsrfField viewer={viewer} />
          <label for="deny-reason">Reason for denying</label>
          <input id="deny-reason" name="reason" maxlength={1000} />
          <button type="submit">Deny</button>
        </form>
      ) : null}
      {actions.revoke ? (
        <form method="post" action={`${base}/revoke`}>
          <CsrfField viewer={viewer} />
          <label for="revoke-reason">Reason for revoking</label>
          <input id="revoke-reason" name="reason" maxlength={1000} />
          <button type="submit">Revoke access</button>
        </form>
      ) : null}
      {actions.close ? (
        <form method="post" action={`${base}/close`}>
          <CsrfField viewer={viewer} />
          <button type="submit">{p.phase === 'open' ? 'Cancel petition' : 'Close petition'}</button>
        </form>
      ) : null}
    </section>
  )
}

/** What a reviewer would want to know before deciding: first requests, grants held, odd hours. */
function Signals(props: { signals: ReviewSignals; targets: Map<string, ResourceSummary> }) {
  const { firstRequests, grantsHeld, outsideHours } = props.signals
  return (
    <section aria-label="Signals" class="signals">
      <h2>Signals</h2>
      <ul>
        {firstRequests.map(({ petitioner, target }) => (
          <li>
            First request by <Who r={petitioner} /> for{' '}
            {targetName(target, props.targets.get(targetKey(target)))}
          </li>
        ))}
        {grantsHeld.map(({ petitioner, count }) => (
          <li>
            <Who r={petitioner} /> holds {grantsText(count)} now
          </li>
        ))}
        {outsideHours ? <li>Asked outside working hours: {askedAt(outsideHours)}</li> : null}
      </ul>
    </section>
  )
}

const DECISIONS = new Set(['access/approve', 'access/deny', 'access/revoke', 'petition/close'])

/** Who took the latest decision, from the petition's own history. */
function decider(review: PetitionReview): EventResource | undefined {
  return review.history.filter((e) => DECISIONS.has(e.event)).at(-1)?.actor
}

async function PetitionPanel(props: { deps: AppDeps; c: Context<DashEnv>; name: string }) {
  const { deps, c } = props
  const access = c.get('access')
  const now = deps.clock.now()
  const viewer = viewerOf(c, now)
  const review = await reviewPetition(deps, access, props.name)
  const [targets, signals] = await Promise.all([
    describeTargets(deps.store, access.space.id, review.petition.resources),
    reviewSignals(deps.store, review.petition, now),
  ])
  const space = access.space.name
  return (
    <div
      id="petition-panel"
      hx-get={`${petitionPath(space, props.name)}/panel`}
      hx-trigger={`petition-changed-${props.name} from:body`}
      hx-swap="outerHTML"
      aria-live="polite"
    >
      <PetitionCard review={review} targets={targets} space={space} now={now} />
      {review.petition.decideTime && review.petition.phase !== 'open' ? (
        <p role="status">
          Decided <When at={review.petition.decideTime} now={now} />
          {decider(review) ? (
            <>
              {' '}
              by <Who r={decider(review) as EventResource} />
            </>
          ) : null}
          {review.petition.decideReason ? `: ${review.petition.decideReason}` : ''}
        </p>
      ) : null}
      <Signals signals={signals} targets={targets} />
      <Actions review={review} viewer={viewer} space={space} />
      <h2>Grants</h2>
      {review.grants.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <ul>
          {review.grants.map((g) => (
            <li>
              <Who r={g.petitioner} /> → <Target r={g.resource} known={targets.get(targetKey(g.resource))} />:{' '}
              {g.revokeTime ? (
                <>
                  ended <When at={g.revokeTime} now={now} />
                </>
              ) : g.expireTime ? (
                <>
                  expires <When at={g.expireTime} now={now} />
                </>
              ) : (
                'until revoked'
              )}
            </li>
          ))}
        </ul>
      )}
      <h2>History</h2>
      <ol>
        {review.history.map((e) => (
          <li>
            <When at={Date.parse(e.timestamp ?? '')} now={now} /> <code>{e.event}</code>{' '}
            {e.actor ? (
              <>
                by <Who r={e.actor} />
              </>
            ) : null}
            {e.reason ? <>: {e.reason}</> : null}
          </li>
        ))}
      </ol>
    </div>
  )
}

const formText = async (c: Context<DashEnv>, field: string): Promise<string | undefined> => {
  const v = (await c.req.parseBody())[field]
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined
}

export function mountPetition(app: Hono<DashEnv>, deps: AppDeps): void {
  const page = (c: Context<DashEnv>, notice?: string) => {
    const name = c.req.param('name') ?? ''
    return (
      <Layout
        title={`Petition ${name}`}
        viewer={viewerOf(c, deps.clock.now())}
        events={`/spaces/${encodeURIComponent(c.get('access').space.name)}/events`}
        shortcuts
      >
        <h1>Petition {name}</h1>
        {notice ? (
          <p role="alert" class="notice">
            {notice}
          </p>
        ) : null}
        <PetitionPanel deps={deps} c={c} name={name} />
      </Layout>
    )
  }
  app.get('/spaces/:space/petitions/:name', (c) => c.html(page(c)))
  app.get('/spaces/:space/petitions/:name/panel', (c) =>
    c.html(<PetitionPanel deps={deps} c={c} name={c.req.param('name')} />),
  )

  /** Runs an action through its use case; a refusal is shown on the page with the API's status. */
  const act = (verb: string, run: (c: Context<DashEnv>, name: string) => Promise<unknown>) =>
    app.post(`/spaces/:space/petitions/:name/${verb}`, async (c) => {
      const name = c.req.param('name')
      try {
        await run(c, name)
      } catch (err) {
        if (!(err instanceof DomainError) || err.code === 'NOT_FOUND') return renderError(err, c)
        const shown = await renderError(err, c)
        return c.html(page(c, `Not done: ${err.message}`), shown.status as 400)
      }
      return c.redirect(petitionPath(c.get('access').space.name, name), 303)
    })

  const claim = (c: Context<DashEnv>, name: string, input: DecisionInput) =>
    decide(deps, c.get('access'), name, input)
  act('approve', async (c, name) => {
    const duration = (await formText(c, 'duration')) ?? ''
    const labels: Record<string, string> =
      duration === 'indefinite' ? { [LABELS.indefinite]: 'true' } : { [LABELS.duration]: duration }
    if (duration === '') delete labels[LABELS.duration]
    return claim(c, name, { event: 'access/approve', labels })
  })
  act('deny', async (c, name) =>
    claim(c, name, { event: 'access/deny', reason: await formText(c, 'reason') }),
  )
  act('revoke', async (c, name) =>
    claim(c, name, { event: 'access/revoke', reason: await formText(c, 'reason') }),
  )
  act('close', (c, name) => closePetition(deps, c.get('access'), name))
}

/**
 * `/petitions/<name>`, the link notifications carry (they know no space): the petition's page in the
 * first of the person's spaces that holds one they may see.
 */
export function mountPetitionLink(app: Hono<DashEnv>, deps: AppDeps): void {
  app.get('/petitions/:name', requireSession(deps), async (c) => {
    const name = c.req.param('name')
    for (const spaceId of await deps.store.principals.spaceIdsOfUser(c.get('user').id)) {
      const space = await deps.store.spaces.byId(spaceId)
      if (!space) continue
      const access = await accessSpace(deps, { type: 'user', user: c.get('user') }, space.name)
      const found = await getPetition(deps, access, name).catch((err: unknown) => {
        if (err instanceof DomainError && err.code === 'NOT_FOUND') return undefined
        throw err
      })
      if (found) return c.redirect(petitionPath(space.name, name), 303)
    }
    throw notFound(`petition "${name}"`)
  })
}
