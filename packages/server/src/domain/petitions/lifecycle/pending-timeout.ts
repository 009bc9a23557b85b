import { EVENT_NAMES } from '@openindent/contract'
import { SYSTEM_ACTOR } from '../../auth/principal.js'
import type { Ctx } from '../../context.js'
import { timedOutEmail } from '../../notify/emails.js'
import { emailOutbox } from '../../notify/enqueue.js'
import { requesterEmails } from '../../notify/recipients.js'
import { allows, stepLocked } from './table.js'

/**
 * Closes an open petition nobody decided within its rules' `pendingTimeout`: the system cancels it
 * with the reason, `petition/close` is audited, and (when email is configured) its requesters are
 * told, all in one transaction. False when it was decided or closed meanwhile.
 */
export async function closeUndecided(
  ctx: Ctx,
  key: { spaceId: string; name: string },
  waited: string,
  email: { publicUrl: string } | undefined,
): Promise<boolean> {
  const now = ctx.clock.now()
  const reason = `no decision within ${waited}`
  return ctx.store.transaction(async (tx) => {
    const p = await tx.petitions.lock(key.spaceId, key.name)
    if (!p || !allows(p, 'cancel')) return false
    await stepLocked(tx, p, 'cancel', now, reason)
    await tx.audit.append(p.spaceId, [
      {
        event: EVENT_NAMES.petitionClose,
        actor: SYSTEM_ACTOR,
        resources: [...p.petitioners, ...p.resources],
        reason,
        timestamp: now,
        petition: p.name,
      },
    ])
    if (email) {
      const mails = requesterEmails(p).map((to) => timedOutEmail(to, p, waited, email.publicUrl))
      const message = emailOutbox(p.spaceId, 'petition.timedOut.email', p.name, mails, now)
      if (message) await tx.outbox.enqueue(message)
    }
    return true
  })
}
