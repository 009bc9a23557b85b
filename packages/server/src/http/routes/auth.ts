import { AuthTokenRequest, AuthTokenResponse } from '@openindent/contract'
import { z } from 'zod'
import { exchangeSignInCode } from '../../domain/auth/sign-in.js'
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
    handler: async ({ deps, body }) => {
      const { accessToken, expiresIn } = await exchangeSignInCode(deps, deps.signer, body.code)
      return { accessToken, tokenType: 'Bearer' as const, expiresIn }
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
