// Step 4 of the guide, for the package scope (@indent/ → @openindent/), with what a portal adds: the
// reason typed by the staff member, a wait for the decision, and the reviewer's reason when denied.
import { approval, getErrorKind } from '@openindent/approvals'
import { getCurrentUser } from './auth'

export async function requestCustomerAccess(ctx, customerId) {
  try {
    const user = await getCurrentUser(ctx)

    await approval({
      petitioners: [{ kind: 'user', id: user.id, email: user.email }],
      resources: [{ kind: 'customer', id: customerId }],
      ...(ctx.reason ? { reason: ctx.reason } : {}),
      wait: ctx.wait,
    })

    return { ok: true }
  } catch (err) {
    switch (getErrorKind(err)) {
      case 'waiting':
        // Once granted, it will auto-approve next time
        return { ok: false, status: 'waiting' }
      case 'denied':
        // Denied by reviewer or policy
        return { ok: false, status: 'denied', reason: err.reason ?? null }
    }
    console.error('approval failed:', err)
    return { ok: false, status: 'unknown' }
  }
}
