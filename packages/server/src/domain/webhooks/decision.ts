import { DecisionReply, EVENT_NAMES, type Event, LABELS, parseGoDuration } from '@openindent/contract'
import type { CallResult, WebhookCaller } from './ports.js'
import type { WebhookRecord } from './types.js'

/** What asking decision webhooks needs: the caller that signs (the same as every webhook call's) and the wait. */
export interface DecisionDeps {
  webhookCaller: WebhookCaller
  /** OPENINDENT_DECISION_TIMEOUT: the longest the petition's creation waits for the receivers, in ms. */
  decisionTimeoutMs: number
}

/** One receiver's answer, read. */
export type DecisionAnswer =
  | { hook: WebhookRecord; kind: 'approve'; reason?: string; durationMs?: number }
  | { hook: WebhookRecord; kind: 'deny'; reason?: string }
  | { hook: WebhookRecord; kind: 'none' }
  | { hook: WebhookRecord; kind: 'failed'; error: string }

/** Whether a decision webhook serves the request: any target of a kind it names (none named: all). */
export function decides(hook: WebhookRecord, request: Event): boolean {
  if (hook.dryRun) return false
  if (hook.resourceKinds.length === 0) return true
  const kinds = (request.resources ?? []).map((r) => (r.kind ?? '').toLowerCase())
  return hook.resourceKinds.some((k) => kinds.some((kind) => kind.includes(k.toLowerCase())))
}

/**
 * Indent's GetDecision: sends `{events: [access/request]}` to each hook, all at once, and reads their
 * answers. Never throws and never takes much longer than the timeout: a receiver that is slow, down,
 * answers a bad status or something unreadable is a `failed` answer, and people decide.
 */
export async function askDecisionWebhooks(
  deps: DecisionDeps,
  hooks: WebhookRecord[],
  request: Event,
): Promise<DecisionAnswer[]> {
  const body = JSON.stringify({ events: [request] })
  return Promise.all(hooks.map((hook) => askOne(deps, hook, body)))
}

async function askOne(deps: DecisionDeps, hook: WebhookRecord, body: string): Promise<DecisionAnswer> {
  const ms = deps.decisionTimeoutMs
  let timer: NodeJS.Timeout | undefined
  // The caller enforces the timeout on the socket; this bounds the wait even if a lookup hangs.
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms + 50)
  })
  let res: CallResult
  try {
    res = await Promise.race([deps.webhookCaller.call(hook, body, undefined, { timeoutMs: ms }), late])
  } catch (err) {
    return { hook, kind: 'failed', error: (err as Error).message }
  } finally {
    clearTimeout(timer)
  }
  if (res.status < 200 || res.status >= 300) {
    return { hook, kind: 'failed', error: `answered HTTP ${res.status}` }
  }
  return readAnswer(hook, res.body)
}

/** Reads a 2xx answer: an empty body or no claims is no opinion; anything unreadable is a failure. */
export function readAnswer(hook: WebhookRecord, text: string): DecisionAnswer {
  if (text.trim() === '') return { hook, kind: 'none' }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { hook, kind: 'failed', error: 'answered something other than JSON' }
  }
  const reply = DecisionReply.safeParse(json)
  if (!reply.success) return { hook, kind: 'failed', error: 'did not answer {claims: [...]}' }
  const { status, claims } = reply.data
  if (status?.code) {
    return {
      hook,
      kind: 'failed',
      // The receiver's message goes into the audit log: kept short.
      error: `answered status code ${status.code}: ${(status.message ?? '').slice(0, 256)}`.trim(),
    }
  }
  const unknown = claims.find(
    (c) => c.event !== EVENT_NAMES.accessApprove && c.event !== EVENT_NAMES.accessDeny,
  )
  if (unknown) return { hook, kind: 'failed', error: `answered a claim "${unknown.event.slice(0, 64)}"` }
  const deny = claims.find((c) => c.event === EVENT_NAMES.accessDeny)
  if (deny) return { hook, kind: 'deny', ...(deny.reason ? { reason: deny.reason } : {}) }
  const approve = claims[0]
  if (!approve) return { hook, kind: 'none' }
  const labels = approve.meta?.labels ?? {}
  const duration = labels[LABELS.duration]
  let durationMs: number | undefined
  if (duration !== undefined) {
    durationMs = parseGoDuration(duration)
    if (durationMs === undefined || durationMs <= 0) {
      return { hook, kind: 'failed', error: `answered an invalid duration "${duration.slice(0, 64)}"` }
    }
  }
  return {
    hook,
    kind: 'approve',
    ...(approve.reason ? { reason: approve.reason } : {}),
    ...(durationMs === undefined ? {} : { durationMs }),
  }
}
