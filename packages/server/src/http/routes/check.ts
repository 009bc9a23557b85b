import { CheckApprovalRequest, CheckApprovalResponse } from '@openindent/contract'
import { CACHE_TTL_MS } from '../../domain/cache.js'
import { toIso } from '../../domain/clock.js'
import { checkApproval } from '../../domain/petitions/check.js'
import { requestedDuration, toPetitioners, toSubjects } from '../../domain/petitions/input.js'
import { petitionersFor } from '../../domain/petitions/lifecycle/open.js'
import { getPetition, petitionDetails } from '../../domain/petitions/queries.js'
import { requestKey } from '../../domain/petitions/types.js'
import { holdMs } from '../../domain/petitions/wait.js'
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
    handler: async ({ deps, access, body }) => {
      const petitioners = petitionersFor(access, toPetitioners(body.petitioners, 'petitioners'))
      const resources = toSubjects(body.resources, 'resources')
      // A granted answer stays right until its first grant expires or anything is written.
      const key = `${access.space.id}\u0000${requestKey(petitioners, resources)}`
      const now = deps.clock.now()
      const cached = deps.checkAnswers.get(key, now)
      if (cached) return cached
      const generation = deps.caches.freshness.current()
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
            petition: wirePetition(space, await petitionDetails(deps, petition)),
            ...(result.expireTime !== undefined ? { expireTime: toIso(result.expireTime) } : {}),
          }
          const until = Math.min(result.expireTime ?? Number.POSITIVE_INFINITY, now + CACHE_TTL_MS)
          const text = new JsonText(JSON.stringify(answer))
          deps.checkAnswers.set(key, text, until, generation)
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
