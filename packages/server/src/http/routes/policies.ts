import { CheckApprovalRequest, formatGoDuration, Name, PageQuery, Timestamp } from '@openindent/contract'
import { z } from 'zod'
import { toIso } from '../../domain/clock.js'
import { requestedDuration, toPetitioners, toSubjects } from '../../domain/petitions/input.js'
import {
  createPolicy,
  deletePolicy,
  getPolicy,
  listPolicies,
  type PolicyView,
  policyHistory,
  setPolicyTimeZone,
  updatePolicy,
} from '../../domain/policies/crud.js'
import { explainRequest } from '../../domain/policies/explain.js'
import type { PolicyChange } from '../../domain/policies/types.js'
import { httpError } from '../errors.js'
import { type RouteDef, route } from '../route.js'
import { SpaceParams, withSpace } from './params.js'

const TAG = 'Policies'
const PolicyParams = withSpace({ policy: Name })
const Mode = z.enum(['enforce', 'shadow'])

const PolicyBody = z.strictObject({
  /** Cedar text: one permit or forbid statement. */
  text: z.string().min(1).max(20_000),
  mode: Mode.default('enforce'),
  description: z.string().max(500).optional(),
})
const CreatePolicyRequest = PolicyBody.extend({ id: Name })

const Policy = z.object({
  id: z.string(),
  text: z.string(),
  mode: Mode,
  description: z.string().optional(),
  effect: z.enum(['permit', 'forbid']),
  duration: z.string().optional(),
  approvals: z.number().int().optional(),
  version: z.number().int(),
  createTime: z.string(),
  updateTime: z.string(),
})
const ListPoliciesResponse = z.object({
  version: z.number().int(),
  timeZone: z.string(),
  policies: z.array(Policy),
})
const PolicyChangeWire = z.object({
  version: z.number().int(),
  policyId: z.string(),
  change: z.enum(['create', 'update', 'delete', 'settings']),
  text: z.string().optional(),
  mode: Mode.optional(),
  actor: z.string(),
  time: z.string(),
})
const HistoryResponse = z.object({ changes: z.array(PolicyChangeWire), nextPageToken: z.string().optional() })
const SettingsBody = z.strictObject({ timeZone: z.string().min(1).max(64) })
const SettingsResponse = z.object({ version: z.number().int(), timeZone: z.string() })

const EvaluateRequest = CheckApprovalRequest.omit({ wait: true }).extend({
  /** When the request would be made (the policies read its hour and weekday); now unless given. */
  time: Timestamp.optional(),
})
const Decision = z.enum(['permit', 'forbid', 'none'])
const EvaluateResponse = z.object({
  /** `permit`: granted at once; `forbid`: denied at once; `none`: routed to people by the rules. */
  decision: Decision,
  /** The policies that determined the decision. */
  policies: z.array(z.string()),
  /** With `permit`: how long the grant would last. */
  duration: z.string().optional(),
  /** Shadow policies alone: what they would have decided. */
  shadow: z.object({ decision: Decision, policies: z.array(z.string()) }).optional(),
  /** The approval rules that route the request to people, and the approvals they would need. */
  approvalRule: z.object({ names: z.array(z.string()), minApprovals: z.number().int() }),
  /** `@approvals` policies that raised the approvals needed. */
  approvalPolicies: z.array(z.string()),
  /** Policies that failed while evaluating (they are skipped, as Cedar does). */
  errors: z.array(z.object({ policyId: z.string(), message: z.string() })),
  version: z.number().int(),
})

function parseTime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const at = Date.parse(text)
  if (Number.isNaN(at)) throw httpError('INVALID_ARGUMENT', `time: "${text}" is not an RFC 3339 time`, 'time')
  return at
}

function wirePolicy(p: PolicyView): z.infer<typeof Policy> {
  return {
    id: p.id,
    text: p.text,
    mode: p.mode,
    ...(p.description === undefined ? {} : { description: p.description }),
    effect: p.effect,
    ...(p.durationMs === undefined ? {} : { duration: formatGoDuration(p.durationMs) }),
    ...(p.approvals === undefined ? {} : { approvals: p.approvals }),
    version: p.version,
    createTime: toIso(p.createTime),
    updateTime: toIso(p.updateTime),
  }
}

const wireChange = (c: PolicyChange): z.infer<typeof PolicyChangeWire> => ({
  version: c.version,
  policyId: c.policyId,
  change: c.change,
  ...(c.text === undefined ? {} : { text: c.text }),
  ...(c.mode === undefined ? {} : { mode: c.mode }),
  actor: c.actor,
  time: toIso(c.time),
})

export const policyRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/v1/spaces/{space}/policies',
    summary: "List the space's Cedar policies, with the set's version and time zone",
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    response: ListPoliciesResponse,
    handler: async ({ deps, access }) => {
      const { info, policies } = await listPolicies(deps, access)
      return { version: info.version, timeZone: info.timeZone, policies: policies.map(wirePolicy) }
    },
  }),
  route({
    method: 'post',
    path: '/v1/spaces/{space}/policies',
    summary: 'Create a Cedar policy; it must validate against the published schema (needs editor)',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    body: CreatePolicyRequest,
    response: Policy,
    status: 201,
    handler: async ({ deps, access, body }) => wirePolicy(await createPolicy(deps, access, body.id, body)),
  }),
  route({
    method: 'get',
    path: '/v1/spaces/{space}/policies:history',
    summary: 'Every change of the policy set, newest first',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    query: PageQuery,
    response: HistoryResponse,
    handler: async ({ deps, access, query }) => {
      const { items, nextPageToken } = await policyHistory(deps, access, query.pageSize, query.pageToken)
      return { changes: items.map(wireChange), ...(nextPageToken ? { nextPageToken } : {}) }
    },
  }),
  route({
    method: 'put',
    path: '/v1/spaces/{space}/policies:settings',
    summary: 'Set the IANA time zone in which policies read the time of day and weekday (needs editor)',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    body: SettingsBody,
    response: SettingsResponse,
    handler: async ({ deps, access, body }) => setPolicyTimeZone(deps, access, body.timeZone),
  }),
  route({
    method: 'post',
    path: '/v1/spaces/{space}/policies:evaluate',
    summary: 'What the policies and approval rules would do with a request, without making it',
    tag: TAG,
    idempotent: false,
    auth: 'space',
    params: SpaceParams,
    body: EvaluateRequest,
    response: EvaluateResponse,
    handler: async ({ deps, access, body }) => {
      const e = await explainRequest(deps, access, {
        petitioners: toPetitioners(body.petitioners, 'petitioners'),
        resources: toSubjects(body.resources, 'resources'),
        reason: body.reason,
        durationMs: requestedDuration(body.duration, 'duration'),
        at: parseTime(body.time),
      })
      const { enforced, shadow, approvals, errors, version } = e.outcome
      return {
        decision: enforced.decision,
        policies: enforced.policies,
        ...(enforced.decision === 'permit' ? { duration: formatGoDuration(e.grantMs) } : {}),
        ...(shadow ? { shadow } : {}),
        approvalRule: { names: e.rules, minApprovals: e.minApprovals },
        approvalPolicies: approvals?.policies ?? [],
        errors,
        version,
      }
    },
  }),
  route({
    method: 'get',
    path: '/v1/spaces/{space}/policies/{policy}',
    summary: 'Get a Cedar policy',
    tag: TAG,
    auth: 'space',
    params: PolicyParams,
    response: Policy,
    handler: async ({ deps, access, params }) => wirePolicy(await getPolicy(deps, access, params.policy)),
  }),
  route({
    method: 'put',
    path: '/v1/spaces/{space}/policies/{policy}',
    summary: 'Replace a Cedar policy (needs editor)',
    tag: TAG,
    auth: 'space',
    params: PolicyParams,
    body: PolicyBody,
    response: Policy,
    handler: async ({ deps, access, params, body }) =>
      wirePolicy(await updatePolicy(deps, access, params.policy, body)),
  }),
  route({
    method: 'delete',
    path: '/v1/spaces/{space}/policies/{policy}',
    summary: 'Delete a Cedar policy (needs editor)',
    tag: TAG,
    auth: 'space',
    params: PolicyParams,
    response: z.object({}),
    handler: async ({ deps, access, params }) => {
      await deletePolicy(deps, access, params.policy)
      return {}
    },
  }),
]
