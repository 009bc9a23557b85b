import type { IndentAPI } from '@openindent/api'
import {
  type ApprovalRule,
  ApprovalRuleInput,
  emailProblem,
  Name,
  normalizeEmailAddress,
  parseGoDuration,
  ROLES,
  type Role,
} from '@openindent/contract'
import { type Command, Option } from 'commander'
import type { z } from 'zod'
import { parseLabelSelector } from '../domain/labels/selector.js'
import {
  type ApiFlags,
  apiClient,
  cell,
  oneOf,
  positiveGoDuration,
  UsageError,
  usageError,
  wholeNumber,
  withApiOptions,
} from './api-client.js'

// The contract's bounds (ApprovalRuleInput); the rule is also checked against the schema before it is sent.
const MAX_MIN_APPROVALS = 10
const MAX_PRIORITY = 1_000_000

interface CreateOpts extends ApiFlags {
  displayName?: string
  kind?: string
  labelSelector?: string
  approver?: string[]
  approverServiceAccount?: string[]
  approverRole?: Role
  minApprovals?: number
  allowSelfApproval?: boolean
  defaultDuration?: string
  maxDuration?: string
  allowIndefinite?: boolean
  reasonRequired?: boolean
  priority?: number
  slackChannel?: string[]
  slackUser?: string[]
  escalateAfter?: string
  escalateTo?: string[]
  pendingTimeout?: string
}

interface ListPage {
  approvalRules: ApprovalRule[]
  nextPageToken?: string
}

function rulesPath(api: IndentAPI, rule?: string): string {
  const base = `/spaces/${encodeURIComponent(api.resolveSpace())}/approvalRules`
  return rule === undefined ? base : `${base}/${encodeURIComponent(rule)}`
}

function ruleName(value: string): string {
  if (!Name.safeParse(value).success) {
    throw new UsageError(
      'a rule name is 1 to 63 lower-case letters, digits and dashes, starting and ending with a letter or digit',
    )
  }
  return value
}

function approverEmail(value: string, previous: string[] = []): string[] {
  const problem = emailProblem(normalizeEmailAddress(value))
  if (problem) throw new UsageError(`expected an email address: it ${problem}`)
  return [...previous, value]
}

function slackChannel(value: string, previous: string[] = []): string[] {
  if (value.length === 0 || value.length > 80)
    throw new UsageError('expected a Slack channel such as #access')
  return [...previous, value]
}

function serviceAccountName(value: string, previous: string[] = []): string[] {
  if (!Name.safeParse(value).success) throw new UsageError('expected a service account name')
  return [...previous, value]
}

function labelSelector(value: string): string {
  try {
    parseLabelSelector(value)
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err))
  }
  return value
}

/** `kind:customer labels:plan=pro`, or `*` for a rule that selects every request. */
function selectorText(r: ApprovalRule): string {
  const parts = [
    ...(r.selector.kind ? [`kind:${r.selector.kind}`] : []),
    ...(r.selector.labelSelector ? [`labels:${r.selector.labelSelector}`] : []),
  ]
  return parts.length ? parts.join(' ') : '*'
}

function approversText(r: ApprovalRule): string {
  return [
    ...(r.approvers.users ?? []),
    ...(r.approvers.serviceAccounts ?? []).map((sa) => `sa:${sa}`),
    ...(r.approvers.role ? [`role:${r.approvers.role}`] : []),
  ].join(',')
}

/** One tab-separated line: name, priority, selector, approvers, minApprovals, durations. */
export function ruleLine(r: ApprovalRule): string {
  const durations = `default=${r.defaultDuration} max=${r.maxDuration}${r.allowIndefinite ? ' indefinite' : ''}`
  return [r.name, r.priority, selectorText(r), approversText(r), r.minApprovals, durations]
    .map(cell)
    .join('\t')
}

/** The rule as the flags give it; anything left out takes the server's default. */
function ruleInput(o: CreateOpts): z.input<typeof ApprovalRuleInput> {
  const selector = {
    ...(o.kind === undefined ? {} : { kind: o.kind }),
    ...(o.labelSelector === undefined ? {} : { labelSelector: o.labelSelector }),
  }
  return {
    ...(o.displayName === undefined ? {} : { displayName: o.displayName }),
    selector,
    approvers: {
      ...(o.approver?.length ? { users: o.approver } : {}),
      ...(o.approverServiceAccount?.length ? { serviceAccounts: o.approverServiceAccount } : {}),
      ...(o.approverRole === undefined ? {} : { role: o.approverRole }),
    },
    ...(o.minApprovals === undefined ? {} : { minApprovals: o.minApprovals }),
    ...(o.allowSelfApproval ? { allowSelfApproval: true } : {}),
    ...(o.defaultDuration === undefined ? {} : { defaultDuration: o.defaultDuration }),
    ...(o.maxDuration === undefined ? {} : { maxDuration: o.maxDuration }),
    ...(o.allowIndefinite ? { allowIndefinite: true } : {}),
    ...(o.reasonRequired ? { reasonRequired: true } : {}),
    ...(o.priority === undefined ? {} : { priority: o.priority }),
    ...(o.pendingTimeout === undefined ? {} : { pendingTimeout: o.pendingTimeout }),
    ...(notifyInput(o) ?? {}),
  }
}

/** The `notify` part, only when a flag names something to notify. */
function notifyInput(
  o: CreateOpts,
): { notify: NonNullable<z.input<typeof ApprovalRuleInput>['notify']> } | undefined {
  const notify = {
    ...(o.slackChannel?.length ? { slackChannels: o.slackChannel } : {}),
    ...(o.slackUser?.length ? { slackUsers: o.slackUser } : {}),
    ...(o.escalateAfter === undefined ? {} : { escalateAfter: o.escalateAfter }),
    ...(o.escalateTo?.length ? { escalateTo: o.escalateTo } : {}),
  }
  return Object.keys(notify).length > 0 ? { notify } : undefined
}

/** Refuses, before anything is sent, a rule the server would refuse for its flags. */
function checkRule(cmd: Command, rule: z.input<typeof ApprovalRuleInput>): void {
  const { users, serviceAccounts, role } = rule.approvers
  if (!users?.length && !serviceAccounts?.length && role === undefined) {
    usageError(
      cmd,
      'name who reviews: --approver EMAIL, --approver-service-account NAME (both repeatable) and/or --approver-role ROLE',
    )
  }
  const parsed = ApprovalRuleInput.safeParse(rule)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    usageError(cmd, `${issue?.path.join('.') || 'rule'}: ${issue?.message ?? 'invalid'}`)
  }
  const { defaultDuration, maxDuration } = parsed.data
  if ((parseGoDuration(defaultDuration) ?? 0) > (parseGoDuration(maxDuration) ?? 0)) {
    usageError(cmd, `the default duration ${defaultDuration} is longer than the maximum ${maxDuration}`)
  }
}

/** `openindent rules …`: the space's approval rules, through the HTTP API. */
export function registerRuleCommands(program: Command): void {
  const rules = program.command('rules').description('list, create and delete approval rules through the API')

  withApiOptions(rules.command('list'))
    .description(
      'list approval rules in the order they are tried (the catch-all last), or JSON lines with --json',
    )
    .option('--json', 'one JSON object per line')
    .action(async (o: ApiFlags & { json?: boolean }) => {
      const api = apiClient(o)
      let pageToken: string | undefined
      do {
        const page: ListPage = await api.request<ListPage>({
          method: 'GET',
          path: rulesPath(api),
          query: { pageSize: 1000, pageToken },
        })
        for (const r of page.approvalRules) {
          process.stdout.write(o.json ? `${JSON.stringify(r)}\n` : `${ruleLine(r)}\n`)
        }
        pageToken = page.nextPageToken || undefined
      } while (pageToken)
    })

  withApiOptions(rules.command('create'))
    .description('create an approval rule; flags left out take the server defaults')
    .argument('<name>', 'rule name: lower-case letters, digits and dashes', ruleName)
    .option('--display-name <text>', 'label shown in lists')
    .option('--kind <kind>', 'select requests for resources of this kind (default: every kind)')
    .option(
      '-l, --label-selector <selector>',
      'select targets whose labels match, e.g. "plan=pro"',
      labelSelector,
    )
    .option('--approver <email>', 'a user who may review (repeatable)', approverEmail)
    .option(
      '--approver-service-account <name>',
      'a service account (a bot) that may review (repeatable); roles never make one a reviewer',
      serviceAccountName,
    )
    .addOption(
      new Option(
        '--approver-role <role>',
        `every member with this role may review: ${ROLES.join(', ')}`,
      ).argParser(oneOf(ROLES)),
    )
    .option(
      '--min-approvals <n>',
      `approvals needed, 1 to ${MAX_MIN_APPROVALS} (default 1)`,
      wholeNumber(1, MAX_MIN_APPROVALS),
    )
    .option('--allow-self-approval', 'petitioners may approve their own requests')
    .option(
      '--default-duration <duration>',
      'Go duration granted when none is asked for (default 1h)',
      positiveGoDuration,
    )
    .option(
      '--max-duration <duration>',
      'longest Go duration a reviewer may grant (default 24h)',
      positiveGoDuration,
    )
    .option('--allow-indefinite', 'reviewers may grant access until revoked')
    .option('--reason-required', 'petitions must give a reason')
    .option(
      '--priority <n>',
      `lower is tried first, 0 to ${MAX_PRIORITY} (default 100)`,
      wholeNumber(0, MAX_PRIORITY),
    )
    .option('--slack-channel <channel>', 'post its requests to this Slack channel (repeatable)', slackChannel)
    .option('--slack-user <email>', 'send its requests to this reviewer in Slack (repeatable)', approverEmail)
    .option(
      '--escalate-after <duration>',
      'Go duration a request waits before the --escalate-to reviewers are told',
      positiveGoDuration,
    )
    .option('--escalate-to <email>', 'an escalation reviewer (repeatable)', approverEmail)
    .option(
      '--pending-timeout <duration>',
      'Go duration after which an undecided request closes (default 24h)',
      positiveGoDuration,
    )
    .action(async (name: string, o: CreateOpts, cmd: Command) => {
      const rule = ruleInput(o)
      checkRule(cmd, rule)
      const api = apiClient(o)
      const created = await api.request<ApprovalRule>({
        method: 'POST',
        path: rulesPath(api),
        body: { name, rule },
      })
      process.stdout.write(`created rule ${created.name}\n`)
    })

  withApiOptions(rules.command('delete'))
    .description('delete an approval rule')
    .argument('<name>', 'rule name', ruleName)
    .action(async (name: string, o: ApiFlags) => {
      const api = apiClient(o)
      await api.request<unknown>({ method: 'DELETE', path: rulesPath(api, name) })
      process.stdout.write(`deleted rule ${name}\n`)
    })
}
