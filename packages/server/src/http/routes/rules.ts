import {
  ApprovalRule,
  CreateApprovalRuleRequest,
  ListApprovalRulesResponse,
  UpdateApprovalRuleRequest,
} from '@openindent/contract'
import { z } from 'zod'
import { notFound } from '../../domain/errors.js'
import { createRule, deleteRule, listRules, updateRule } from '../../domain/rules/crud.js'
import { type RouteDef, route } from '../route.js'
import { wireRule } from '../wire.js'
import { SpaceParams, withSpace } from './params.js'

const TAG = 'Approval rules'
const RuleParams = withSpace({ rule: z.string().min(1).max(63) })

export const ruleRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/v1/spaces/{space}/approvalRules',
    summary: 'List approval rules in the order they are tried, the catch-all last',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    response: ListApprovalRulesResponse,
    handler: async ({ deps, access }) => ({
      approvalRules: (await listRules(deps, access)).map((r) => wireRule(access.space.name, r)),
    }),
  }),
  route({
    method: 'post',
    path: '/v1/spaces/{space}/approvalRules',
    summary: 'Create an approval rule',
    tag: TAG,
    auth: 'space',
    params: SpaceParams,
    body: CreateApprovalRuleRequest,
    response: ApprovalRule,
    status: 201,
    handler: async ({ deps, access, body }) =>
      wireRule(access.space.name, await createRule(deps, access, body.name, body.rule)),
  }),
  route({
    method: 'get',
    path: '/v1/spaces/{space}/approvalRules/{rule}',
    summary: 'Get an approval rule',
    tag: TAG,
    auth: 'space',
    params: RuleParams,
    response: ApprovalRule,
    handler: async ({ deps, access, params }) => {
      const rule = (await listRules(deps, access)).find((r) => r.name === params.rule)
      if (!rule) throw notFound(`approval rule "${params.rule}"`)
      return wireRule(access.space.name, rule)
    },
  }),
  route({
    method: 'put',
    path: '/v1/spaces/{space}/approvalRules/{rule}',
    summary: 'Replace an approval rule',
    tag: TAG,
    auth: 'space',
    params: RuleParams,
    body: UpdateApprovalRuleRequest,
    response: ApprovalRule,
    handler: async ({ deps, access, params, body }) =>
      wireRule(access.space.name, await updateRule(deps, access, params.rule, body.rule)),
  }),
  route({
    method: 'delete',
    path: '/v1/spaces/{space}/approvalRules/{rule}',
    summary: 'Delete an approval rule',
    tag: TAG,
    auth: 'space',
    params: RuleParams,
    response: z.object({}),
    handler: async ({ deps, access, params }) => {
      await deleteRule(deps, access, params.rule)
      return {}
    },
  }),
]
