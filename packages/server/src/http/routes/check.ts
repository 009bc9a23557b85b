import { CheckApprovalRequest, CheckApprovalResponse } from '@openindent/contract'
import { toIso } from '../../domain/clock.js'
import { checkApproval } from '../../domain/petitions/check.js'
import { requestedDuration, toSubjects } from '../../domain/petitions/input.js'
import { getPetition, petitionView } from '../../domain/petitions/view.js'
import { type RouteDef, route } from '../route.js'
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
      const result = await checkApproval({ ...deps, denialWindowMs: deps.options.denialWindowMs }, access, {
        petitioners: toSubjects(body.petitioners, 'petitioners'),
        resources: toSubjects(body.resources, 'resources'),
        reason: body.reason,
        durationMs: requestedDuration(body.duration, 'duration'),
        waitMs: Math.min(Math.round((body.wait ?? 0) * 1000), deps.options.maxCheckWaitMs),
      })
      const space = access.space.name
      switch (result.status) {
        case 'granted': {
          const petition = await petitionView(
            deps,
            space,
            await getPetition(deps, access, result.petitionName),
          )
          return {
            status: result.status,
            petition,
            ...(result.expireTime !== undefined ? { expireTime: toIso(result.expireTime) } : {}),
          }
        }
        case 'waiting':
          return { status: result.status, petition: await petitionView(deps, space, result.petition) }
        case 'denied':
          return {
            status: result.status,
            petition: await petitionView(deps, space, result.petition),
            ...(result.reason ? { reason: result.reason } : {}),
          }
      }
    },
  }),
]
