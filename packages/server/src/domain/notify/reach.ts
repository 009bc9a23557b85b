import { parseGoDuration } from '@openindent/contract'
import type { Ctx } from '../context.js'
import { identityOf } from '../identity.js'
import { closeUndecided } from '../petitions/lifecycle/pending-timeout.js'
import type { PetitionRecord } from '../petitions/types.js'
import { type Policy, policyFor } from '../rules/policy.js'
import { slackOutbox } from '../slack/enqueue.js'
import { DIRECT, SLACK_POST_TOPIC } from '../slack/ports.js'
import { escalationEmail, expiringEmail } from './emails.js'
import { emailOutbox } from './enqueue.js'
import type { OpenPetitionKey } from './ports.js'
import { requesterEmails } from './recipients.js'
import { waitText } from './wait-text.js'

/** How long an open petition waits for a decision when no rule says. */
export const DEFAULT_PENDING_TIMEOUT_MS = 24 * 3_600_000
/** Requesters hear this long before their access ends. */
export const EXPIRING_NOTICE_MS = 10 * 60_000
/** No reach rule acts sooner than this after a petition opened; younger ones are not scanned. */
const YOUNGEST_MS = 60_000
const PAGE = 200

export interface ReachSettings {
  /** Set when email is configured: escalation, timeout and expiring notices are mailed. */
  email?: { publicUrl: string } | undefined
  /** Set when Slack is configured: escalation reviewers also get the petition's message directly. */
  slack?: boolean | undefined
}

export interface ReachReport {
  timedOut: number
  escalated: number
  expiring: number
}

/**
 * One pass of the reviewer reach rules at the clock's now: open petitions past their rules'
 * `pendingTimeout` close; those waiting past a rule's `notify.escalateAfter` are mailed to its
 * `escalateTo` reviewers, once; requesters whose access ends within ten minutes are told, once. Each
 * notice is recorded in the transaction that queues it, so several instances send it once.
 */
export async function reachDue(ctx: Ctx, settings: ReachSettings): Promise<ReachReport> {
  const report: ReachReport = { timedOut: 0, escalated: 0, expiring: 0 }
  const now = ctx.clock.now()
  let after: OpenPetitionKey | undefined
  for (;;) {
    const page = await ctx.store.notices.openBefore(now - YOUNGEST_MS, after, PAGE)
    for (const key of page) {
      const p = await ctx.store.petitions.get(key.spaceId, key.name)
      if (p?.phase !== 'open') continue
      const policy = await policyFor(ctx.store, p.spaceId, p.resources)
      const timeout = pendingTimeoutMs(policy)
      if (now - p.createTime >= timeout) {
        if (await closeUndecided(ctx, p, waitText(timeout), settings.email)) report.timedOut += 1
      } else if ((settings.email || settings.slack) && (await escalate(ctx, p, policy, now, settings))) {
        report.escalated += 1
      }
    }
    if (page.length < PAGE) break
    after = page.at(-1)
  }
  if (settings.email) report.expiring = await noticeExpiring(ctx, now, settings.email.publicUrl)
  return report
}

/** The shortest `pendingTimeout` among the rules (every rule's limit holds), or the default. */
export function pendingTimeoutMs(policy: Policy): number {
  const limits = policy.rules.flatMap((r) => {
    const ms = r.spec.pendingTimeout === undefined ? undefined : parseGoDuration(r.spec.pendingTimeout)
    return ms === undefined ? [] : [ms]
  })
  return limits.length > 0 ? Math.min(...limits) : DEFAULT_PENDING_TIMEOUT_MS
}

async function escalate(
  ctx: Ctx,
  p: PetitionRecord,
  policy: Policy,
  now: number,
  settings: ReachSettings,
): Promise<boolean> {
  const waited = now - p.createTime
  const due = policy.rules.filter((r) => {
    const after = r.spec.notify?.escalateAfter
    const ms = after === undefined ? undefined : parseGoDuration(after)
    return ms !== undefined && waited >= ms && (r.spec.notify?.escalateTo?.length ?? 0) > 0
  })
  if (due.length === 0) return false
  // Four eyes: the petitioners and the filer are never asked to review their own request.
  const own = new Set([...p.petitioners.map(identityOf), ...(p.filer ? [p.filer] : [])])
  const to = [
    ...new Set(due.flatMap((r) => r.spec.notify?.escalateTo ?? []).map((e) => e.trim().toLowerCase())),
  ].filter((e) => !own.has(`user/${e}`))
  const { email, slack } = settings
  return ctx.store.transaction(async (tx) => {
    if (!(await tx.notices.record(p.spaceId, p.name, 'escalated', now))) return false
    if (email) {
      const mails = to.map((address) => escalationEmail(address, p, waitText(waited), email.publicUrl))
      const message = emailOutbox(p.spaceId, 'petition.escalated.email', p.name, mails, now)
      if (message) await tx.outbox.enqueue(message)
    }
    if (slack) {
      // Posted like the first message, so every later step updates it too.
      const already = new Set(await tx.slack.postedTargets(p.spaceId, p.name))
      const targets = to.map((address) => `${DIRECT}${address}`).filter((t) => !already.has(t))
      const message = slackOutbox(p.spaceId, p.name, SLACK_POST_TOPIC, targets, now)
      if (message) await tx.outbox.enqueue(message)
    }
    return true
  })
}

async function noticeExpiring(ctx: Ctx, now: number, publicUrl: string): Promise<number> {
  const due = await ctx.store.notices.expiringWithout('expiring', now, now + EXPIRING_NOTICE_MS, PAGE)
  let sent = 0
  for (const g of due) {
    const p = await ctx.store.petitions.get(g.spaceId, g.petition)
    if (p?.phase !== 'granted') continue
    const queued = await ctx.store.transaction(async (tx) => {
      if (!(await tx.notices.record(p.spaceId, p.name, 'expiring', now))) return false
      const mails = requesterEmails(p).map((to) => expiringEmail(to, p, g.expireTime, publicUrl))
      const message = emailOutbox(p.spaceId, 'petition.expiring.email', p.name, mails, now)
      if (message) await tx.outbox.enqueue(message)
      return true
    })
    if (queued) sent += 1
  }
  return sent
}
