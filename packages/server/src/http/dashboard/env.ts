import type { SpaceAccess } from '../../domain/auth/principal.js'
import type { SessionRecord } from '../../domain/sessions/ports.js'
import type { UserRecord } from '../../domain/spaces/types.js'
import type { AppEnv } from '../env.js'

/** Per-request variables of dashboard pages: set by the session middleware. */
export interface DashEnv {
  Variables: AppEnv['Variables'] & {
    user: UserRecord
    session: SessionRecord
    /** The cookie's secret, kept for sign-out. */
    sessionSecret: string
    /** Set on pages under /spaces/:space. */
    access: SpaceAccess
  }
}
