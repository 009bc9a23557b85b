import { AuthTokenRequest, AuthTokenResponse } from '@openindent/contract'
import { z } from 'zod'
import { type Attempt, identityOf } from '../../domain/auth/attempts.js'
import { exchangeSignInCode } from '../../domain/auth/sign-in.js'
import { clientAddress } from '../client-address.js'
import { type RouteDef, route } from '../route.js'

const TAG = 'Authentication'

export const authRoutes: RouteDef[] = [
  route({
    method: 'post',
    path: '/v1/auth/token',
    summary: 'Trade a one-time sign-in code for a short-lived user access token',
    tag: TAG,
    auth: 'none',
    body: AuthTokenRequest,
    response: AuthTokenResponse,
    handler: async ({ deps, body, c }) => {
      const attempt: Attempt = {
        kind: 'signIn',
        address: clientAddress(c, deps.options.trustProxy),
        identity: identityOf(body.code),
      }
      // Checked before the code is looked at, so a blocked client cannot spend (or find) a valid one.
      await deps.attempts.admit(attempt)
      try {
        const { accessToken, expiresIn } = await exchangeSignInCode(deps, deps.signer, body.code)
        return { accessToken, tokenType: 'Bearer' as const, expiresIn }
      } catch (err) {
        if ((err as { code?: string }).code === 'UNAUTHENTICATED') await deps.attempts.failed(attempt)
        throw err
      }
    },
  }),
  route({
    method: 'get',
    path: '/v1/auth/keys',
    summary: 'The public keys that verify user access tokens (JWKS): the current one, then previous ones',
    tag: TAG,
    auth: 'none',
    response: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }),
    // The current key first, then previous keys that still verify tokens they signed.
    handler: async ({ deps }) => ({
      keys: deps.signer.jwks.map((k) => ({ ...k }) as Record<string, unknown>),
    }),
  }),
]
