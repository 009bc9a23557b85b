import { CheckApprovalRequest, CheckApprovalResponse } from '@openindent/contract'
import { CACHE_TTL_MS, petitionTag } from '../../domain/cache.js'
import { toIso } from '../../domain/clock.js'
import { checkApproval } from '../../domain/petitions/check.js'
import { requestedDuration, toPetitioners, toSubjects } from '../../domain/petitions/input.js'
import { petitionersFor } from '../../domain/petitions/lifecycle/open.js'
import { getPetition, petitionDetails } from '../../domain/petitions/queries.js'
import { requestKey } from '../../domain/petitions/types.js'
import { holdMs } from '../../domain/petitions/wait.js'
import { fastKeyOf } from '../fast-check.js'
import { JsonText } from '../json-text.js'
import { type RouteDef, route } from '../route.js'
import { wirePetition } from '../wire.js'
import { SpaceParams } from './params.js'

export const checkRoutes: RouteDef[] = [
  route({
    method: 'post',
    path: '/v1/spaces/{space}/approvals:check',
    summary: 'Granted, waiting or denied: opens a petition when none is open, and can wait for the decision',
    tag: 'Approvals',
    idempotent: false,
    auth: 'space',
    params: SpaceParams,
    body: CheckApprovalRequest,
    response: CheckApprovalResponse,
    handler: async ({ deps, access, body, c }) => {
      const petitioners = petitionersFor(access, toPetitioners(body.petitioners, 'petitioners'))
      const resources = toSubjects(body.resources, 'resources')
      // A granted answer stays right until its first grant expires, a petition behind it changes, or a
      // broad write (tokens, members, spaces) drops every cache.
      const key = `${access.space.id}\u0000${requestKey(petitioners, resources)}`
      const now = deps.clock.now()
      const cached = deps.checkAnswers.get(key, now)
      const fastKey = fastKeyOf(c.env, access.principal)
      if (cached) {
        if (fastKey !== undefined) deps.checkAnswers.share(key, fastKey)
        return cached
      }
      const generation = deps.caches.freshness.current()
      const tick = deps.caches.freshness.tick()
      const result = await checkApproval({ ...deps, denialWindowMs: deps.options.denialWindowMs }, access, {
        petitioners,
        resources,
        reason: body.reason,
        durationMs: requestedDuration(body.duration, 'duration'),
        waitMs: holdMs(body.wait, deps.options.maxCheckWaitMs),
      })
      const space = access.space.name
      switch (result.status) {
        case 'granted': {
          const petition = result.petition ?? (await getPetition(deps, access, result.petitionName))
          const answer: CheckApprovalResponse = {
            status: result.status,
            petition: wirePetition(space, result.details ?? (await petitionDetails(deps, petition))),
            ...(result.expireTime !== undefined ? { expireTime: toIso(result.expireTime) } : {}),
          }
          const until = Math.min(result.expireTime ?? Number.POSITIVE_INFINITY, now + CACHE_TTL_MS)
          const text = new JsonText(JSON.stringify(answer))
          const depends = { tags: result.petitions.map((p) => petitionTag(access.space.id, p)), tick }
          deps.checkAnswers.set(key, text, until, generation, depends)
          if (fastKey !== undefined) deps.checkAnswers.set(fastKey, text, until, generation, depends)
          return text
        }
        case 'waiting':
          return {
            status: result.status,
            petition: wirePetition(space, await petitionDetails(deps, result.petition)),
          }
        case 'denied':
          return {
            status: result.status,
            petition: wirePetition(space, await petitionDetails(deps, result.petition)),
            ...(result.reason ? { reason: result.reason } : {}),
          }
      }
    },
  }),
]
