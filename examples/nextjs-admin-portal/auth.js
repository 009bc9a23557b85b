// The guide's `./auth`: how the portal knows who is signed in (its own signed session cookie).
import { currentStaff } from './lib/session'

export async function getCurrentUser(_ctx) {
  const staff = await currentStaff()
  if (!staff) throw new Error('not signed in')
  // OpenIndent knows people by email: the same id and email make one identity, `user/<email>`.
  return { id: staff.email, email: staff.email, name: staff.name }
}
