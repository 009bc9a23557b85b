// Step 4 of the guide, as written there but for the package scope (@indent/ → @openindent/).
import { approval, getErrorKind } from '@openindent/approvals'
import { getCurrentUser } from './auth'

export async function requestCustomerAccess(ctx, customerId) {
  try {
    const user = await getCurrentUser(ctx)

    await approval({
      petitioners: [{ kind: 'user', id: user.id, email: user.email }],
      resources: [{ kind: 'customer', id: customerId }],
    })

    return { ok: true }
  } catch (err) {
    switch (getErrorKind(err)) {
      case 'waiting':
        // Once granted, it will auto-approve next time
        return { ok: false, status: 'waiting' }
      case 'denied':
        // Denied by reviewer or policy
        return { ok: false, status: 'denied' }
    }
    return { ok: false, status: 'unknown' }
  }
}
