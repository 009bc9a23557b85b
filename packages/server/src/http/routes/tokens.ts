import {
  CreateServiceAccountRequest,
  CreateTokenRequest,
  ListServiceAccountsResponse,
  ListTokensQuery,
  ListTokensResponse,
  PageQuery,
  ServiceAccount,
  Token,
} from '@openindent/contract'
import { z } from 'zod'
import {
  createServiceAccount,
  deleteServiceAccount,
  listServiceAccounts,
} from '../../domain/tokens/service-accounts.js'
import { createToken, listTokens, revokeToken } from '../../domain/tokens/tokens.js'
import { type RouteDef, route } from '../route.js'
import { wireServiceAccount, wireToken } from '../wire.js'
import { SpaceParams, withSpace } from './params.js'

const TAG = 'Service accounts and tokens'

export const tokenRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/v1/spaces/{space}/serviceAccounts',
    summary: 'List service accounts',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    query: PageQuery,
    response: ListServiceAccountsResponse,
    handler: async ({ deps, access, query }) => {
      const { items, nextPageToken } = await listServiceAccounts(deps, access, query)
      return { serviceAccounts: items.map((sa) => wireServiceAccount(access.space.name, sa)), nextPageToken }
    },
  }),
  route({
    method: 'post',
    path: '/v1/spaces/{space}/serviceAccounts',
    summary: 'Create a service account',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    body: CreateServiceAccountRequest,
    response: ServiceAccount,
    status: 201,
    handler: async ({ deps, access, body }) =>
      wireServiceAccount(access.space.name, await createServiceAccount(deps, access, body)),
  }),
  route({
    method: 'delete',
    path: '/v1/spaces/{space}/serviceAccounts/{serviceAccount}',
    summary: 'Delete a service account; its tokens stop working at once',
    tag: TAG,
    auth: 'space',
    params: withSpace({ serviceAccount: z.string().min(1).max(63) }),
    response: ServiceAccount,
    handler: async ({ deps, access, params }) =>
      wireServiceAccount(access.space.name, await deleteServiceAccount(deps, access, params.serviceAccount)),
  }),
  route({
    method: 'get',
    path: '/v1/spaces/{space}/tokens',
    summary: 'List service-account tokens (never their secrets)',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    query: ListTokensQuery,
    response: ListTokensResponse,
    handler: async ({ deps, access, query }) => {
      const { items, nextPageToken } = await listTokens(deps, access, {
        ...query,
        showRevoked: query.showRevoked === 'true',
      })
      return { tokens: items.map((t) => wireToken(access.space.name, t)), nextPageToken }
    },
  }),
  route({
    method: 'post',
    path: '/v1/spaces/{space}/tokens',
    summary: 'Create a service-account token; the response is the only time it is shown',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    body: CreateTokenRequest,
    response: Token,
    status: 201,
    handler: async ({ deps, access, body }) => {
      const { token, secret } = await createToken(deps, access, body)
      return wireToken(access.space.name, token, secret)
    },
  }),
  route({
    method: 'delete',
    path: '/v1/spaces/{space}/tokens/{token}',
    summary: 'Revoke a token, effective immediately',
    tag: TAG,
    auth: 'space',
    params: withSpace({ token: z.string().min(1).max(64) }),
    response: Token,
    handler: async ({ deps, access, params }) =>
      wireToken(access.space.name, await revokeToken(deps, access, params.token)),
  }),
]
