import {
  BulkDeleteRequest,
  BulkDeleteResponse,
  BulkUpdateRequest,
  BulkUpdateResponse,
  BulkUpdateSummary,
  CreateResourceRequest,
  ListResourcesQuery,
  ListResourcesResponse,
  Resource,
  UpdateResourceRequest,
} from '@openindent/contract'
import { z } from 'zod'
import { bulkUpdateResources } from '../../domain/resources/bulk-update.js'
import {
  createResource,
  deleteResource,
  deleteResources,
  getResource,
  updateResource,
} from '../../domain/resources/crud.js'
import { listResources } from '../../domain/resources/list.js'
import { isBulkUpdateBody } from '../bulk-body.js'
import { prefersMinimal } from '../prefer.js'
import { type RouteDef, route } from '../route.js'
import { wireResource } from '../wire.js'
import { SpaceParams, withSpace } from './params.js'

const TAG = 'Resources'
const NameParams = withSpace({ resource: z.string().min(1).max(64) })

const bulkUpdate = (method: 'put' | 'post') =>
  route({
    method,
    path: '/v1/spaces/{space}/resources:bulkUpdate',
    summary: `Create or update resources by (kind, id), all or nothing (${method.toUpperCase()})`,
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    body: BulkUpdateRequest,
    bodyCheck: isBulkUpdateBody,
    bodyLimit: 'bulk',
    answersMinimal: true,
    response: z.union([BulkUpdateResponse, BulkUpdateSummary]),
    handler: async ({ deps, access, body, c }) => {
      if (prefersMinimal(c)) {
        // Counts only: the resources stored exactly as sent need not be read back.
        const result = await bulkUpdateResources(deps, access, body.resources, { readUnchanged: false })
        const { count, created, unchanged } = result
        return { count, created, updated: count - created - unchanged, unchanged }
      }
      const { resources, unchanged } = await bulkUpdateResources(deps, access, body.resources)
      return { resources: resources.map((r) => wireResource(access.space.name, r)), unchanged }
    },
  })

export const resourceRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/v1/spaces/{space}/resources',
    summary: 'List resources, filtered by kind and label selector',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    query: ListResourcesQuery,
    response: ListResourcesResponse,
    handler: async ({ deps, access, query }) => {
      const { items, nextPageToken } = await listResources(deps, access, query)
      return { resources: items.map((r) => wireResource(access.space.name, r)), nextPageToken }
    },
  }),
  route({
    method: 'post',
    path: '/v1/spaces/{space}/resources',
    summary: 'Create a resource',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    body: CreateResourceRequest,
    response: Resource,
    status: 201,
    handler: async ({ deps, access, body }) =>
      wireResource(access.space.name, await createResource(deps, access, body.resource)),
  }),
  bulkUpdate('put'),
  bulkUpdate('post'),
  route({
    method: 'post',
    path: '/v1/spaces/{space}/resources:bulkDelete',
    summary: 'Delete resources by name',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    body: BulkDeleteRequest,
    response: BulkDeleteResponse,
    handler: async ({ deps, access, body }) => ({
      deleted: (await deleteResources(deps, access, body.resourceNames)).length,
    }),
  }),
  route({
    method: 'get',
    path: '/v1/spaces/{space}/resources/{resource}',
    summary: 'Get a resource by name',
    tag: TAG,
    auth: 'space',
    params: NameParams,
    response: Resource,
    handler: async ({ deps, access, params }) =>
      wireResource(access.space.name, await getResource(deps, access, params.resource)),
  }),
  route({
    method: 'put',
    path: '/v1/spaces/{space}/resources/{resource}',
    summary: 'Replace a resource',
    tag: TAG,
    auth: 'space',
    params: NameParams,
    body: UpdateResourceRequest,
    response: Resource,
    handler: async ({ deps, access, params, body }) =>
      wireResource(access.space.name, await updateResource(deps, access, params.resource, body.resource)),
  }),
  route({
    method: 'delete',
    path: '/v1/spaces/{space}/resources/{resource}',
    summary: 'Delete a resource',
    tag: TAG,
    auth: 'space',
    params: NameParams,
    response: Resource,
    handler: async ({ deps, access, params }) =>
      wireResource(access.space.name, await deleteResource(deps, access, params.resource)),
  }),
]
