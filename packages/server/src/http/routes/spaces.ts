import {
  CreateSpaceRequest,
  ListMembersResponse,
  ListSpacesResponse,
  Member,
  PageQuery,
  PutMemberRequest,
  Space,
  UpdateSpaceRequest,
} from '@openindent/contract'
import { z } from 'zod'
import { actorOf } from '../../domain/auth/principal.js'
import { deleteMember, listMembers, putMember } from '../../domain/spaces/members.js'
import { createSpace, deleteSpace, listSpaces, updateSpace } from '../../domain/spaces/spaces.js'
import { type RouteDef, route } from '../route.js'
import { wireMember, wireSpace } from '../wire.js'
import { SpaceParams, withSpace } from './params.js'

const TAG = 'Spaces'
const MemberParams = withSpace({ email: z.string().min(3).max(320) })

export const spaceRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/v1/spaces',
    summary: 'List the spaces the caller belongs to',
    tag: TAG,
    auth: 'principal',
    query: PageQuery,
    response: ListSpacesResponse,
    handler: async ({ deps, principal, query }) => {
      const { items, nextPageToken } = await listSpaces(deps, principal, query)
      return { spaces: items.map(wireSpace), nextPageToken }
    },
  }),
  route({
    method: 'post',
    path: '/v1/spaces',
    summary: 'Create a space (instance administrators)',
    tag: TAG,
    auth: 'principal',
    body: CreateSpaceRequest,
    response: Space,
    status: 201,
    handler: async ({ deps, principal, body }) =>
      wireSpace(await createSpace(deps, principal, actorOf(principal), body.space)),
  }),
  route({
    method: 'get',
    path: '/v1/spaces/{space}',
    summary: 'Get a space',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    response: Space,
    handler: async ({ access }) => wireSpace(access.space),
  }),
  route({
    method: 'patch',
    path: '/v1/spaces/{space}',
    summary: "Change a space's display name or settings",
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    body: UpdateSpaceRequest,
    response: Space,
    handler: async ({ deps, access, body }) => wireSpace(await updateSpace(deps, access, body.space)),
  }),
  route({
    method: 'delete',
    path: '/v1/spaces/{space}',
    summary: 'Delete a space and its contents; its audit log is kept (instance administrators)',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    response: Space,
    handler: async ({ deps, access }) => wireSpace(await deleteSpace(deps, access)),
  }),
  route({
    method: 'get',
    path: '/v1/spaces/{space}/members',
    summary: 'List the users of a space and their roles',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    query: PageQuery,
    response: ListMembersResponse,
    handler: async ({ deps, access, query }) => {
      const { items, nextPageToken } = await listMembers(deps, access, query)
      return { members: items.map((m) => wireMember(access.space.name, m)), nextPageToken }
    },
  }),
  route({
    method: 'put',
    path: '/v1/spaces/{space}/members/{email}',
    summary: 'Add a user to a space or set their roles',
    tag: TAG,
    auth: 'space',
    params: MemberParams,
    body: PutMemberRequest,
    response: Member,
    handler: async ({ deps, access, params, body }) =>
      wireMember(access.space.name, await putMember(deps, access, params.email, body.member)),
  }),
  route({
    method: 'delete',
    path: '/v1/spaces/{space}/members/{email}',
    summary: 'Remove a user from a space',
    tag: TAG,
    auth: 'space',
    params: MemberParams,
    response: z.object({}),
    handler: async ({ deps, access, params }) => {
      await deleteMember(deps, access, params.email)
      return {}
    },
  }),
]
