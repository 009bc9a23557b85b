import {
  AuditInput,
  CreateAuditInputRequest,
  InputWriteBatchRequest,
  InputWriteRequest,
  InputWriteResponse,
  ListAuditInputsResponse,
  PageQuery,
  WriteEventInput,
} from '@openindent/contract'
import { z } from 'zod'
import {
  createAuditInput,
  listAuditInputs,
  revokeAuditInput,
  writeThroughInput,
} from '../../domain/audit/inputs.js'
import { type RouteDef, route } from '../route.js'
import { wireAuditInput } from '../wire.js'
import { SpaceParams, withSpace } from './params.js'

const TAG = 'Audit inputs'

/** An input's secret as its URL carries it (see domain/audit/inputs.ts). */
export const INPUT_PATTERN = '[a-z2-7]{32}'
const InputParams = z.object({ input: z.string() })
const IndentInputParams = z.object({ space: z.string(), provider: z.string(), input: z.string() })

const written = async (n: Promise<unknown[]>) => ({ written: (await n).length })

export const auditInputRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/v1/spaces/{space}/auditInputs',
    summary: "List a space's audit inputs (needs editor)",
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    query: PageQuery,
    response: ListAuditInputsResponse,
    handler: async ({ deps, access, query }) => {
      const { items, nextPageToken } = await listAuditInputs(deps, access, query)
      return { auditInputs: items.map((i) => wireAuditInput(access.space.name, i)), nextPageToken }
    },
  }),
  route({
    method: 'post',
    path: '/v1/spaces/{space}/auditInputs',
    summary:
      'Create a write-only audit input; its DSN (a URL holding the secret) is shown once (needs editor)',
    tag: TAG,
    auth: 'space',
    status: 201,
    params: SpaceParams,
    body: CreateAuditInputRequest,
    response: AuditInput,
    handler: async ({ deps, access, body, c }) => {
      const { input, secret } = await createAuditInput(deps, access, body)
      // Behind a proxy the request's origin is the proxy's upstream address: the configured URL is the one to hand out.
      const base = deps.options.publicUrl?.replace(/\/+$/, '') ?? new URL(c.req.url).origin
      return wireAuditInput(access.space.name, input, `${base}/v1/${secret}`)
    },
  }),
  route({
    method: 'delete',
    path: '/v1/spaces/{space}/auditInputs/{auditInput}',
    summary: 'Revoke an audit input: its URL writes nothing from the next request on (needs editor)',
    tag: TAG,
    auth: 'space',
    params: withSpace({ auditInput: z.string().min(1).max(63) }),
    response: AuditInput,
    handler: async ({ deps, access, params }) =>
      wireAuditInput(access.space.name, await revokeAuditInput(deps, access, params.auditInput)),
  }),
  route({
    method: 'post',
    path: '/v1/{input}',
    summary: "Write events through an audit input's DSN, as Indent's audit SDK posts them (any content type)",
    tag: TAG,
    auth: 'none',
    anyContentType: true,
    paramPatterns: { input: INPUT_PATTERN },
    params: InputParams,
    body: InputWriteRequest,
    response: InputWriteResponse,
    handler: ({ deps, params, body }) => written(writeThroughInput(deps, params.input, body.events)),
  }),
  route({
    method: 'post',
    path: '/v1/inputs/{space}/{provider}/{input}:write',
    summary:
      "Write one event through an audit input (Indent's input write path; the provider is not checked)",
    tag: TAG,
    auth: 'none',
    anyContentType: true,
    params: IndentInputParams,
    body: WriteEventInput,
    response: InputWriteResponse,
    handler: ({ deps, params, body }) => written(writeThroughInput(deps, params.input, [body], params.space)),
  }),
  route({
    method: 'post',
    path: '/v1/inputs/{space}/{provider}/{input}:writeBatch',
    summary: "Write a batch of events through an audit input (Indent's input write path)",
    tag: TAG,
    auth: 'none',
    anyContentType: true,
    params: IndentInputParams,
    body: InputWriteBatchRequest,
    response: InputWriteResponse,
    handler: ({ deps, params, body }) =>
      written(writeThroughInput(deps, params.input, body.events, params.space)),
  }),
]
