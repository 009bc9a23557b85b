import type { Context } from 'hono'
import type { DashEnv } from './env.js'
import type { Viewer } from './layout.js'

export function viewerOf(c: Context<DashEnv>, now: number): Viewer {
  return { email: c.get('user').email, csrf: c.get('session').csrfToken, access: c.get('access'), now }
}
