import { ERROR_CODES } from '@openindent/contract'
import { type ZodObject, type ZodType, z } from 'zod'
import type { RouteDef } from './route.js'

type Json = Record<string, unknown>

const schema = (s: ZodType, io: 'input' | 'output'): Json =>
  z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Json

const ErrorEnvelope: Json = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'type', 'requestId'],
      properties: {
        code: { type: 'string', enum: [...ERROR_CODES] },
        message: { type: 'string' },
        type: { type: 'string' },
        param: { type: 'string' },
        requestId: { type: 'string' },
      },
    },
  },
}

function parameters(obj: ZodObject | undefined, where: 'path' | 'query'): Json[] {
  if (!obj) return []
  const json = schema(obj, 'input') as { properties?: Record<string, Json>; required?: string[] }
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: s,
  }))
}

/** `get` + `/v1/spaces/{space}/events` → `getV1SpacesSpaceEvents`. */
const operationId = (method: string, path: string) =>
  `${method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`

/** The OpenAPI 3.1 document, built from the same zod schemas that validate requests. */
export function openApiDocument(routes: RouteDef[], version: string): Json {
  const paths: Record<string, Record<string, Json>> = {}
  for (const r of routes) {
    const op: Json = {
      summary: r.summary,
      tags: [r.tag],
      operationId: operationId(r.method, r.path),
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      responses: {
        [String(r.status ?? 200)]: {
          description: 'Success',
          content: { 'application/json': { schema: schema(r.response, 'output') } },
        },
        default: { description: 'Error', content: { 'application/json': { schema: ErrorEnvelope } } },
      },
    }
    if (r.body)
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: schema(r.body, 'input') } },
      }
    if (r.auth !== 'none') op.security = [{ bearer: [] }]
    paths[r.path] = { ...paths[r.path], [r.method]: op }
  }
  for (const [path, ops] of Object.entries(STREAM_AND_CALLBACK_PATHS))
    paths[path] = { ...paths[path], ...ops }
  return {
    openapi: '3.1.0',
    info: {
      title: 'OpenIndent API',
      version,
      description: 'Access approvals, wire-compatible with Indent v1.',
    },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  }
}

const spaceParam: Json = { name: 'space', in: 'path', required: true, schema: { type: 'string' } }
const errorResponse: Json = {
  description: 'Error',
  content: { 'application/json': { schema: ErrorEnvelope } },
}

/**
 * The two paths that are not JSON request/response routes, described by hand so that the document
 * still lists every path the server answers: the watch stream (server-sent events) and Slack's
 * interactivity callback (a form post signed by Slack, not a bearer token).
 */
const STREAM_AND_CALLBACK_PATHS: Record<string, Record<string, Json>> = {
  '/v1/spaces/{space}/approvals:watch': {
    get: {
      summary:
        'Stream changes to petitions (server-sent events: ready, ping, petition, end) so a client can keep cached approval answers true',
      tags: ['approvals'],
      operationId: operationId('get', '/v1/spaces/{space}/approvals:watch'),
      parameters: [spaceParam],
      security: [{ bearer: [] }],
      responses: {
        '200': {
          description:
            'An event stream: `ready` {now}, `ping` {now} every 250 ms, `petition` {type, petition, petitioners, resources, at}, `end` {reason}',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
        },
        default: errorResponse,
      },
    },
  },
  '/slack/interactivity': {
    post: {
      summary: "Slack's interactivity callback: approve or deny buttons pressed on a petition message",
      tags: ['slack'],
      operationId: operationId('post', '/slack/interactivity'),
      parameters: [
        { name: 'x-slack-signature', in: 'header', required: true, schema: { type: 'string' } },
        { name: 'x-slack-request-timestamp', in: 'header', required: true, schema: { type: 'string' } },
      ],
      requestBody: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': {
            schema: {
              type: 'object',
              required: ['payload'],
              properties: {
                payload: { type: 'string', description: "Slack's block_actions payload, as JSON" },
              },
            },
          },
        },
      },
      responses: { '200': { description: 'Handled; Slack shows nothing more' }, default: errorResponse },
    },
  },
}
