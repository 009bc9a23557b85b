import type { EventResource } from '@openindent/contract'
import type { PetitionRecord } from '../petitions/types.js'
import type { MailMessage } from './ports.js'

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const nameOf = (r: EventResource) => r.displayName || r.email || `${r.kind ?? ''}/${r.id ?? ''}`
const describe = (rs: EventResource[]) => rs.map(nameOf).join(', ')

/** Where the petition is shown in the dashboard. */
export const petitionLink = (publicUrl: string, p: Pick<PetitionRecord, 'name'>) =>
  `${publicUrl}/petitions/${encodeURIComponent(p.name)}`

/** Where a sign-in link lands: the dashboard's sign-in page, the code filled in (as `openindent signin-link` prints it). */
export const signInLink = (publicUrl: string, code: string) =>
  `${publicUrl}/signin?code=${encodeURIComponent(code)}`

/** Plain text and the same as simple HTML; no images, no tracking. */
function message(to: string, subject: string, lines: string[], link: string): MailMessage {
  const text = `${lines.join('\n')}\n\n${link}\n`
  const html =
    lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n') +
    `\n<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>\n`
  return { to, subject, text, html }
}

/** To a reviewer: a new request waits for them. */
export function newRequestEmail(to: string, p: PetitionRecord, publicUrl: string): MailMessage {
  const who = describe(p.petitioners)
  const what = describe(p.resources)
  return message(
    to,
    `Access request: ${who} asks for ${what}`,
    [`${who} asks for access to ${what}.`, `Reason: ${p.reason || '(none given)'}`, 'Review it here:'],
    petitionLink(publicUrl, p),
  )
}

/** To a requester: their request was approved (access granted) or denied. */
export function decidedEmail(
  to: string,
  p: PetitionRecord,
  outcome: 'granted' | 'denied',
  publicUrl: string,
): MailMessage {
  const what = describe(p.resources)
  const verb = outcome === 'granted' ? 'approved: you have access' : 'denied'
  return message(
    to,
    `Access request ${outcome === 'granted' ? 'approved' : 'denied'}: ${what}`,
    [`Your request for ${what} was ${verb}.`, ...(p.decideReason ? [`Reason: ${p.decideReason}`] : [])],
    petitionLink(publicUrl, p),
  )
}

/** To a requester: their access ends in a few minutes. */
export function expiringEmail(
  to: string,
  p: PetitionRecord,
  expireTime: number,
  publicUrl: string,
): MailMessage {
  const what = describe(p.resources)
  return message(
    to,
    `Access expiring soon: ${what}`,
    [
      `Your access to ${what} expires at ${new Date(expireTime).toISOString()}.`,
      'Ask again from the request page if you still need it:',
    ],
    petitionLink(publicUrl, p),
  )
}

/** To a requester: their access has expired. */
export function expiredEmail(to: string, p: PetitionRecord, publicUrl: string): MailMessage {
  const what = describe(p.resources)
  return message(
    to,
    `Access expired: ${what}`,
    [`Your access to ${what} has expired.`],
    petitionLink(publicUrl, p),
  )
}

/** To a requester: nobody decided in time, so the request was closed. */
export function timedOutEmail(to: string, p: PetitionRecord, waited: string, publicUrl: string): MailMessage {
  const what = describe(p.resources)
  return message(
    to,
    `Access request closed without a decision: ${what}`,
    [`Your request for ${what} was not decided within ${waited} and was closed.`, 'You can ask again:'],
    petitionLink(publicUrl, p),
  )
}

/** To an escalation reviewer: a request has waited too long. */
export function escalationEmail(
  to: string,
  p: PetitionRecord,
  waited: string,
  publicUrl: string,
): MailMessage {
  const who = describe(p.petitioners)
  const what = describe(p.resources)
  return message(
    to,
    `Waiting for ${waited}: ${who} asks for ${what}`,
    [
      `${who} asked for access to ${what} ${waited} ago and nobody has decided yet.`,
      `Reason: ${p.reason || '(none given)'}`,
      'Review it here:',
    ],
    petitionLink(publicUrl, p),
  )
}

/** A one-time sign-in link. */
export function signInEmail(to: string, link: string, validFor: string): MailMessage {
  return {
    ...message(
      to,
      'Your OpenIndent sign-in link',
      [
        `Open this link to sign in. It works once, for ${validFor}. If you did not ask for it, ignore this email.`,
      ],
      link,
    ),
    credential: true,
  }
}
