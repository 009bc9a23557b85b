import type { Phase } from '@openindent/contract'

/** The ids of a message's controls: the message carries them, the clicks come back with them. */
export const SLACK_ACTIONS = {
  approve: 'openindent_approve',
  deny: 'openindent_deny',
  duration: 'openindent_duration',
} as const
export const REVIEW_BLOCK = 'openindent_review'

/** How a delivery names a reviewer to message directly rather than a channel: `@` and the email. */
export const DIRECT = '@'

/** The outbox topic of the deliveries that post a new petition's message. */
export const SLACK_POST_TOPIC = 'petition.opened.slack'

/** What a petition's Slack message shows, composed from the petition as it stands when it is sent. */
export interface SlackNotice {
  /** `space/petition`: what the buttons carry back (signed by Slack, so it cannot be forged). */
  ref: string
  petition: string
  requester: string
  /** Each target with its display name and labels, e.g. `Production DB (env=prod)`. */
  resources: string[]
  reason: string | undefined
  rules: string[]
  approvals: number
  required: number
  phase: Phase
  /** How it ended or stands, for a decided petition: `approved by …`, `denied by …`, `expired`. */
  status: string | undefined
  link: string
  /** The durations a reviewer may pick (Go durations), the default first. */
  durations: string[]
  /** What a reviewer would want to know before deciding (see petitions/signals.ts); none once decided. */
  signals: string[]
}

/** Slack's Web API as we use it. Throws when Slack refuses or cannot be reached. */
export interface SlackApi {
  /** Posts a new message; returns the channel's id and the message's ts, which name it for updates. */
  post(channel: string, notice: SlackNotice): Promise<{ channelId: string; ts: string }>
  update(channelId: string, ts: string, notice: SlackNotice): Promise<void>
  /** The Slack user's email, only when Slack says it is confirmed. */
  confirmedEmail(userId: string): Promise<string | undefined>
  /** The Slack user with this email, for a direct message; undefined when there is none. */
  userIdByEmail(email: string): Promise<string | undefined>
  /** A message only `userId` sees, in `channelId`. */
  ephemeral(channelId: string, userId: string, text: string): Promise<void>
}

export interface SlackMessageRef {
  channel: string
  channelId: string
  ts: string
}

/** The Slack messages petitions have, and the interactivity signatures already used. */
export interface SlackRepository {
  message(spaceId: string, petition: string, channel: string): Promise<SlackMessageRef | undefined>
  /**
   * Where the petition has a message, or a post of it queued (not dead): the targets (channels and
   * `@email` reviewers) its updates go to.
   */
  postedTargets(spaceId: string, petition: string): Promise<string[]>
  /** Remembers a posted message; false when one was already remembered (the first stays). */
  remember(spaceId: string, petition: string, ref: SlackMessageRef, now: number): Promise<boolean>
  /**
   * Records a request signature until `expireTime`; false when it was recorded before (a replay).
   * Forgets expired ones on the way.
   */
  firstUse(signature: string, expireTime: number, now: number): Promise<boolean>
}
