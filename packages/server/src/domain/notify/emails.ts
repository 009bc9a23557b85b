import type { EventResource } from '@openindent/contract'
import type { PetitionRecord } from '../petitions/types.js'
import type { MailMessage } from './ports.js'

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const nameOf = (r: EventResource) => r.displayName || r.email || `${r.kind ?? ''}/${r.id ?? ''}`
const describe = (rs: EventResource[]) => rs.map(nameOf).join(', ')

/** Where the petition is shown in the dashboard. */
export const petitionLink = (publicUrl: string, p: Pick<PetitionRecord, 'name'>) =>
  `${publicUrl}/petitions/${encodeURIComponent(p.name)}`

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
