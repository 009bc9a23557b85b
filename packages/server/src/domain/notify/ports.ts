/** One email, as composed when the change commits and sent later by the outbox. */
export interface MailMessage {
  to: string
  subject: string
  text: string
  html: string
  /** The text carries a credential (a sign-in link): delivery listings withhold it. */
  credential?: boolean
}

/** Sends email (SMTP); throws when the server refuses or cannot be reached. */
export interface Mailer {
  send(message: MailMessage): Promise<void>
}

/** Where an open petition is, for the reach rules' scan (oldest first, keyset paged). */
export interface OpenPetitionKey {
  spaceId: string
  name: string
  createTime: number
}

/**
 * One-time notices per petition (`escalated`, `expiring`), recorded in the transaction that queues
 * them so each is sent once, and the questions the reach rules ask.
 */
export interface NoticeRepository {
  /** False when the petition had this notice already. */
  record(spaceId: string, petition: string, kind: string, now: number): Promise<boolean>
  /** Open petitions filed before `before`, oldest first, after `after`. */
  openBefore(before: number, after: OpenPetitionKey | undefined, limit: number): Promise<OpenPetitionKey[]>
  /**
   * Petitions with a live grant expiring in [from, to) that have not had the `kind` notice yet, each
   * once, with the soonest expiry.
   */
  expiringWithout(
    kind: string,
    from: number,
    to: number,
    limit: number,
  ): Promise<{ spaceId: string; petition: string; expireTime: number }[]>
}
