// The portal's two OpenIndent clients. INDENT_API_TOKEN (read by the SDK itself) is the portal's
// service account with the petitionAdmin role: it files petitions for staff and reads them, and since
// no rule names it as an approver it can never approve one. Writing to the audit log needs the editor
// role, so that is a second, separate token that the approval path never sees.
import { IndentAPI } from '@openindent/api'

let portal
let audit

export function portalClient() {
  portal ??= new IndentAPI()
  return portal
}

function auditClient() {
  audit ??= new IndentAPI({ apiToken: process.env.PORTAL_AUDIT_TOKEN })
  return audit
}

/**
 * The staff member's active grant to a customer, with its petition, or undefined. Read-only: unlike
 * approval(), looking never files a petition, so opening a customer's page asks no one for anything.
 */
export async function activeGrant(email, customerId, now = Date.now()) {
  const { petitions } = await portalClient().petition.list({
    phase: 'granted',
    petitioner: email,
    resource: `customer/${customerId}`,
  })
  for (const petition of petitions) {
    for (const grant of petition.state.grants ?? []) {
      if (grant.revokeTime) continue
      if (grant.resource.id !== customerId || grant.petitioner.email !== email) continue
      // The server's expiry job closes the petition; until it has, the time is what counts.
      if (grant.expireTime && Date.parse(grant.expireTime) <= now) continue
      return { petition: petition.name, expireTime: grant.expireTime }
    }
  }
  return undefined
}

/** Writes who looked at which customer's details, under which petition, to OpenIndent's audit log. */
export async function recordView(staff, customer, grant) {
  const space = auditClient().resolveSpace()
  await auditClient().request({
    method: 'POST',
    path: `/spaces/${encodeURIComponent(space)}/events:write`,
    body: {
      events: [
        {
          event: 'portal/customer.view',
          actor: { kind: 'user', id: staff.email, email: staff.email, displayName: staff.name },
          resources: [{ kind: 'customer', id: customer.id, displayName: customer.name }],
          reason: `viewed under petition ${grant.petition}`,
          meta: { labels: { 'openindent.dev/petition': grant.petition } },
        },
      ],
    },
  })
}
