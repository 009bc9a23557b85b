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
import { submitClaim } from '../../domain/petitions/claims.js'
import { closePetition } from '../../domain/petitions/close.js'
import { getClaim, listClaims, waitForDecision } from '../../domain/petitions/decisions.js'
import { petitionersOrSelf, requestedDuration, toSubjects } from '../../domain/petitions/input.js'
import { openPetition } from '../../domain/petitions/open.js'
import { getPetition, listPetitions, petitionView } from '../../domain/petitions/view.js'
import { type RouteDef, route } from '../route.js'
import { SpaceParams, withSpace } from './params.js'

const TAG = 'Petitions'
const PetitionParams = withSpace({ petition: z.string().min(1).max(64) })

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
      const waitMs = Math.min(body.wait * 1000, deps.options.maxCheckWaitMs)
      return petitionView(
        deps,
        access.space.name,
        await waitForDecision(deps, access, params.petition, waitMs),
      )
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
    handler: async ({ deps, access, params }) => ({
      claims: await listClaims(deps, access, params.petition),
    }),
  }),
  route({
    method: 'get',
    path: '/v1/spaces/{space}/petitions/{petition}/claims/{claim}',
    summary: 'Get one claim by its event id',
    tag: TAG,
    auth: 'space',
    params: withSpace({ petition: z.string().min(1).max(64), claim: z.string().min(1).max(64) }),
    response: Event,
    handler: async ({ deps, access, params }) => getClaim(deps, access, params.petition, params.claim),
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
