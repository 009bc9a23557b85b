import { AuditEvent, ListEventsQuery, ListEventsResponse, WriteEventsRequest } from '@openindent/contract'
import { z } from 'zod'
import { listInstanceEvents } from '../../domain/audit/instance.js'
import { listEvents } from '../../domain/audit/query.js'
import { writeEvents } from '../../domain/audit/write.js'
import { recordPageJson } from '../audit-page.js'
import { type RouteDef, route } from '../route.js'
import { SpaceParams } from './params.js'

const TAG = 'Audit'

const WriteEventsResponse = z.object({ events: z.array(AuditEvent) })

export const auditRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/v1/audit/events',
    summary:
      "List the instance's audit events (spaces created and deleted), newest first, with the filters of a space's log (instance administrators)",
    tag: TAG,
    auth: 'principal',
    query: ListEventsQuery,
    response: ListEventsResponse,
    handler: async ({ deps, principal, query }) =>
      recordPageJson(await listInstanceEvents(deps, principal, query)),
  }),
  route({
    method: 'get',
    path: '/v1/spaces/{space}/events',
    summary: 'List audit events, newest first, by actor, resource, event name and time range (needs editor)',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    query: ListEventsQuery,
    response: ListEventsResponse,
    handler: async ({ deps, access, query }) => recordPageJson(await listEvents(deps, access, query)),
  }),
  route({
    method: 'post',
    path: '/v1/spaces/{space}/events:write',
    summary: "Append an app's own events to the space's audit log (needs editor)",
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    body: WriteEventsRequest,
    response: WriteEventsResponse,
    handler: async ({ deps, access, body }) => ({ events: await writeEvents(deps, access, body.events) }),
  }),
]
