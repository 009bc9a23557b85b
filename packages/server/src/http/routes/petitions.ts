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
  WaitPetitionRequest,
} from '@openindent/contract'
import { z } from 'zod'
import { getClaim, listClaims } from '../../domain/petitions/claims.js'
import { petitionersOrSelf, requestedDuration, toSubjects } from '../../domain/petitions/input.js'
import { closePetition } from '../../domain/petitions/lifecycle/close.js'
import { decide } from '../../domain/petitions/lifecycle/decide.js'
import { openPetition } from '../../domain/petitions/lifecycle/open.js'
import { getPetition, listPetitions, petitionDetails } from '../../domain/petitions/queries.js'
import type { PetitionRecord } from '../../domain/petitions/types.js'
import { holdMs, waitForDecision } from '../../domain/petitions/wait.js'
import type { AppDeps } from '../deps.js'
import { type RouteDef, route } from '../route.js'
import { wirePetition } from '../wire.js'
import { SpaceParams, withSpace } from './params.js'

const TAG = 'Petitions'
const PetitionParams = withSpace({ petition: z.string().min(1).max(64) })

const view = async (deps: AppDeps, space: string, p: PetitionRecord) =>
  wirePetition(space, await petitionDetails(deps, p))

/** PUT with phase `closed` (as Indent's CLI sends) and DELETE both close the petition. */
const close = (method: 'put' | 'delete', summary: string) =>
  route({
    method,
    path: '/v1/spaces/{space}/petitions/{petition}',
    summary,
    tag: TAG,
    auth: 'space',
    params: PetitionParams,
    ...(method === 'put' ? { body: UpdatePetitionRequest } : {}),
    response: Petition,
    handler: async ({ deps, access, params }) =>
      view(deps, access.space.name, await closePetition(deps, access, params.petition)),
  })

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
      return { petitions: items.map((d) => wirePetition(access.space.name, d)), nextPageToken }
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
      return view(deps, access.space.name, petition)
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
      view(deps, access.space.name, await getPetition(deps, access, params.petition)),
  }),
  close('put', 'Close a petition (set state.status.phase to closed); granted access is revoked first'),
  close('delete', 'Cancel a petition (it is closed; its history stays)'),
  route({
    method: 'post',
    path: '/v1/spaces/{space}/petitions/{petition}:wait',
    summary: 'Hold the request until the petition leaves "open" or the wait (in seconds) ends',
    idempotent: false,
    tag: TAG,
    auth: 'space',
    params: PetitionParams,
    body: WaitPetitionRequest,
    response: Petition,
    handler: async ({ deps, access, params, body }) => {
      const waitMs = holdMs(body.wait, deps.options.maxCheckWaitMs)
      return view(deps, access.space.name, await waitForDecision(deps, access, params.petition, waitMs))
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
    handler: async ({ deps, access, params, query }) => {
      const { items, nextPageToken } = await listClaims(deps, access, params.petition, query)
      return { claims: items, nextPageToken }
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
    handler: async ({ deps, access, params, body }) =>
      decide(deps, access, params.petition, {
        event: body.claim.event,
        reason: body.claim.reason,
        labels: body.claim.meta?.labels,
      }),
  }),
]
