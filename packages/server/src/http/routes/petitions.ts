import {
  CreateClaimRequest,
  CreatePetitionRequest,
  Event,
  ListClaimsResponse,
  ListPetitionsQuery,
  ListPetitionsResponse,
  PageQuery,
  Petition,
  UpdatePetitionRequest,
} from '@openindent/contract'
import { z } from 'zod'
import { notFound } from '../../domain/errors.js'
import { waitForSignal } from '../../domain/notifier.js'
import { submitClaim } from '../../domain/petitions/claims.js'
import { closePetition } from '../../domain/petitions/close.js'
import { petitionersOrSelf, requestedDuration, toSubjects } from '../../domain/petitions/input.js'
import { openPetition } from '../../domain/petitions/open.js'
import { getPetition, listPetitions, petitionView } from '../../domain/petitions/view.js'
import { type RouteDef, route } from '../route.js'
import { SpaceParams, withSpace } from './params.js'

const TAG = 'Petitions'
const PetitionParams = withSpace({ petition: z.string().min(1).max(64) })
const CLAIMS = new Set(['access/approve', 'access/deny', 'access/revoke'])

export const petitionRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/v1/spaces/{space}/petitions',
    summary: 'List petitions, newest first, by phase, petitioner, resource or label selector',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    query: ListPetitionsQuery,
    response: ListPetitionsResponse,
    handler: async ({ deps, access, query }) => {
      const { items, nextPageToken } = await listPetitions(deps, access, {
        ...query,
        ascending: query.ascending === 'true',
      })
      const petitions = await Promise.all(items.map((p) => petitionView(deps, access.space.name, p)))
      return { petitions, nextPageToken }
    },
  }),
  route({
    method: 'post',
    path: '/v1/spaces/{space}/petitions',
    summary: 'Ask for access; an identical open petition is returned instead of a new one',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    body: CreatePetitionRequest,
    response: Petition,
    handler: async ({ deps, access, body }) => {
      const p = body.petition
      const { petition } = await openPetition(deps, access, {
        petitioners: petitionersOrSelf(p.petitioners, access),
        resources: toSubjects(p.resources, 'petition.resources'),
        reason: p.reason,
        durationMs: requestedDuration(p.defaultDuration, 'petition.defaultDuration'),
        labels: p.meta?.labels,
      })
      return petitionView(deps, access.space.name, petition)
    },
  }),
  route({
    method: 'get',
    path: '/v1/spaces/{space}/petitions/{petition}',
    summary: 'Get a petition with its event history',
    tag: TAG,
    auth: 'space',
    params: PetitionParams,
    response: Petition,
    handler: async ({ deps, access, params }) =>
      petitionView(deps, access.space.name, await getPetition(deps, access, params.petition)),
  }),
  route({
    method: 'put',
    path: '/v1/spaces/{space}/petitions/{petition}',
    summary: 'Close a petition (set state.status.phase to closed); granted access is revoked first',
    tag: TAG,
    auth: 'space',
    params: PetitionParams,
    body: UpdatePetitionRequest,
    response: Petition,
    handler: async ({ deps, access, params }) =>
      petitionView(deps, access.space.name, await closePetition(deps, access, params.petition)),
  }),
  route({
    method: 'delete',
    path: '/v1/spaces/{space}/petitions/{petition}',
    summary: 'Cancel a petition (it is closed; its history stays)',
    tag: TAG,
    auth: 'space',
    params: PetitionParams,
    response: Petition,
    handler: async ({ deps, access, params }) =>
      petitionView(deps, access.space.name, await closePetition(deps, access, params.petition)),
  }),
  route({
    method: 'post',
    path: '/v1/spaces/{space}/petitions/{petition}:wait',
    summary: 'Hold the request until the petition leaves "open" or the wait (seconds, at most 30) ends',
    idempotent: false,
    tag: TAG,
    auth: 'space',
    params: PetitionParams,
    body: z.strictObject({ wait: z.number().min(0).max(30).default(10) }),
    response: Petition,
    handler: async ({ deps, access, params, body }) => {
      let p = await getPetition(deps, access, params.petition)
      const waitMs = Math.min(body.wait * 1000, deps.options.maxCheckWaitMs)
      if (p.phase === 'open' && waitMs > 0) {
        const { signalled, cancel } = waitForSignal(deps.notifier, access.space.id, p.name, waitMs)
        p = await getPetition(deps, access, params.petition)
        if (p.phase !== 'open') cancel()
        else if (await signalled) p = await getPetition(deps, access, params.petition)
      }
      return petitionView(deps, access.space.name, p)
    },
  }),
  route({
    method: 'get',
    path: '/v1/spaces/{space}/petitions/{petition}/claims',
    summary: "List a petition's claims (approve, deny, revoke), oldest first",
    tag: TAG,
    auth: 'space',
    params: PetitionParams,
    query: PageQuery,
    response: ListClaimsResponse,
    handler: async ({ deps, access, params }) => {
      const p = await getPetition(deps, access, params.petition)
      const history = await deps.store.petitions.history(access.space.id, p.name)
      const claims = history.map((b) => JSON.parse(b) as Event).filter((e) => CLAIMS.has(e.event))
      return { claims }
    },
  }),
  route({
    method: 'get',
    path: '/v1/spaces/{space}/petitions/{petition}/claims/{claim}',
    summary: 'Get one claim by its event id',
    tag: TAG,
    auth: 'space',
    params: withSpace({ petition: z.string().min(1).max(64), claim: z.string().min(1).max(64) }),
    response: Event,
    handler: async ({ deps, access, params }) => {
      const p = await getPetition(deps, access, params.petition)
      const history = await deps.store.petitions.history(access.space.id, p.name)
      const claim = history
        .map((b) => JSON.parse(b) as Event)
        .find((e) => e.id === params.claim && CLAIMS.has(e.event))
      if (!claim) throw notFound(`claim "${params.claim}"`)
      return claim
    },
  }),
  route({
    method: 'post',
    path: '/v1/spaces/{space}/petitions/{petition}/claims',
    summary: 'Approve (with indent.com/time/* duration labels), deny or revoke',
    tag: TAG,
    auth: 'space',
    params: PetitionParams,
    body: CreateClaimRequest,
    response: Event,
    handler: async ({ deps, access, params, body }) => {
      const stored = await submitClaim(deps, access, params.petition, {
        event: body.claim.event,
        reason: body.claim.reason,
        labels: body.claim.meta?.labels,
      })
      return JSON.parse(stored) as z.infer<typeof Event>
    },
  }),
]
