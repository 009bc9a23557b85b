import {
  CreateWebhookRequest,
  Delivery,
  ListDeliveriesQuery,
  ListDeliveriesResponse,
  ListWebhooksResponse,
  PageQuery,
  PullUpdateRequest,
  PullUpdateResponse,
  UpdateWebhookRequest,
  Webhook,
} from '@openindent/contract'
import { z } from 'zod'
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhooks,
  updateWebhook,
} from '../../domain/webhooks/crud.js'
import { listDeliveries, retryDelivery } from '../../domain/webhooks/deliveries.js'
import { pullUpdate } from '../../domain/webhooks/pull.js'
import { type RouteDef, route } from '../route.js'
import { wireDelivery, wireResource, wireWebhook } from '../wire.js'
import { SpaceParams, withSpace } from './params.js'

const TAG = 'Webhooks'
const WebhookParams = withSpace({ webhook: z.string().min(1).max(63) })
const DeliveryParams = withSpace({ delivery: z.string().min(1).max(64) })
const WebhookDeliveriesQuery = ListDeliveriesQuery.omit({ webhook: true })

export const webhookRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/v1/spaces/{space}/webhooks',
    summary: "List the space's webhooks (their secrets are not shown)",
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    query: PageQuery,
    response: ListWebhooksResponse,
    handler: async ({ deps, access }) => ({
      webhooks: (await listWebhooks(deps, access)).map((w) => wireWebhook(access.space.name, w)),
    }),
  }),
  route({
    method: 'post',
    path: '/v1/spaces/{space}/webhooks',
    summary: 'Create a webhook; the answer carries its signing secret, shown this once',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    body: CreateWebhookRequest,
    response: Webhook,
    status: 201,
    handler: async ({ deps, access, body }) =>
      wireWebhook(access.space.name, await createWebhook(deps, access, body.webhook), true),
  }),
  route({
    method: 'get',
    path: '/v1/spaces/{space}/webhooks/{webhook}',
    summary: 'Get a webhook',
    tag: TAG,
    auth: 'space',
    params: WebhookParams,
    response: Webhook,
    handler: async ({ deps, access, params }) =>
      wireWebhook(access.space.name, await getWebhook(deps, access, params.webhook)),
  }),
  route({
    method: 'patch',
    path: '/v1/spaces/{space}/webhooks/{webhook}',
    summary: "Change a webhook's URL, method, secret, kinds or dry run",
    tag: TAG,
    auth: 'space',
    params: WebhookParams,
    body: UpdateWebhookRequest,
    response: Webhook,
    handler: async ({ deps, access, params, body }) =>
      wireWebhook(
        access.space.name,
        await updateWebhook(deps, access, params.webhook, body.webhook),
        body.webhook.secret !== undefined,
      ),
  }),
  route({
    method: 'delete',
    path: '/v1/spaces/{space}/webhooks/{webhook}',
    summary: 'Delete a webhook; its deliveries still waiting are dead-lettered',
    tag: TAG,
    auth: 'space',
    params: WebhookParams,
    response: z.object({}),
    handler: async ({ deps, access, params }) => {
      await deleteWebhook(deps, access, params.webhook)
      return {}
    },
  }),
  route({
    method: 'get',
    path: '/v1/spaces/{space}/webhooks/{webhook}/deliveries',
    summary: "A webhook's deliveries, newest first, with status, attempts, last error and latency",
    tag: TAG,
    auth: 'space',
    params: WebhookParams,
    query: WebhookDeliveriesQuery,
    response: ListDeliveriesResponse,
    handler: async ({ deps, access, params, query }) => {
      const { items, nextPageToken } = await listDeliveries(deps, access, {
        ...query,
        webhook: params.webhook,
      })
      return { deliveries: items.map(wireDelivery), ...(nextPageToken ? { nextPageToken } : {}) }
    },
  }),
  route({
    method: 'get',
    path: '/v1/spaces/{space}/deliveries',
    summary: "The space's deliveries, newest first; `status=dead` lists the dead letters",
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    query: ListDeliveriesQuery,
    response: ListDeliveriesResponse,
    handler: async ({ deps, access, query }) => {
      const { items, nextPageToken } = await listDeliveries(deps, access, query)
      return { deliveries: items.map(wireDelivery), ...(nextPageToken ? { nextPageToken } : {}) }
    },
  }),
  route({
    method: 'post',
    path: '/v1/spaces/{space}/deliveries/{delivery}:retry',
    summary: 'Send a dead-lettered delivery again, now, with a fresh retry budget (same delivery id)',
    tag: TAG,
    auth: 'space',
    params: DeliveryParams,
    body: z.object({}).optional(),
    response: Delivery,
    handler: async ({ deps, access, params }) =>
      wireDelivery(await retryDelivery(deps, access, params.delivery)),
  }),
  route({
    method: 'put',
    path: '/v1/spaces/{space}/resources:pullUpdate',
    summary: 'Call the pullUpdate webhooks for these kinds and upsert what they return, as :bulkUpdate does',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    body: PullUpdateRequest,
    response: PullUpdateResponse,
    handler: async ({ deps, access, body }) => {
      const stored = await pullUpdate(deps, access, body.kinds, body.flags)
      return { resources: stored.map((r) => wireResource(access.space.name, r)), status: { code: 0 } }
    },
  }),
]
