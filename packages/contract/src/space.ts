import { z } from 'zod'
import { Meta, Name, PageQuery, Timestamp } from './common.js'

/** Member roles, weakest first. */
export const ROLES = ['viewer', 'petitionAdmin', 'editor'] as const
export const Role = z.enum(ROLES)
export type Role = z.infer<typeof Role>

/** How a space treats requests. */
export const SpaceSettings = z.strictObject({
  /** Refuse petitions for resources that were never uploaded (off by default). */
  requireKnownResources: z.boolean().optional(),
})
export type SpaceSettings = z.infer<typeof SpaceSettings>

export const Space = z.object({
  name: z.string(),
  displayName: z.string().optional(),
  settings: z.object({ requireKnownResources: z.boolean() }),
  meta: Meta,
})
export type Space = z.infer<typeof Space>

export const CreateSpaceRequest = z.strictObject({
  space: z.strictObject({ name: Name, displayName: z.string().max(256).optional() }),
})
export const UpdateSpaceRequest = z.strictObject({
  space: z.strictObject({ displayName: z.string().max(256).optional(), settings: SpaceSettings.optional() }),
})
export const ListSpacesResponse = z.object({ spaces: z.array(Space), nextPageToken: z.string().optional() })

export const Member = z.object({
  kind: z.enum(['user', 'serviceAccount']),
  id: z.string(),
  email: z.string().optional(),
  displayName: z.string().optional(),
  roles: z.array(Role),
  meta: Meta,
})
export type Member = z.infer<typeof Member>
export const ListMembersResponse = z.object({
  members: z.array(Member),
  nextPageToken: z.string().optional(),
})

const Roles = z.array(Role).min(1).max(ROLES.length)
export const PutMemberRequest = z.strictObject({
  member: z.strictObject({ displayName: z.string().max(256).optional(), roles: Roles }),
})

export const ServiceAccount = z.object({
  name: z.string(),
  displayName: z.string().optional(),
  roles: z.array(Role),
  meta: Meta,
})
export type ServiceAccount = z.infer<typeof ServiceAccount>
export const CreateServiceAccountRequest = z.strictObject({
  name: Name,
  displayName: z.string().max(256).optional(),
  roles: Roles,
})
export const ListServiceAccountsResponse = z.object({
  serviceAccounts: z.array(ServiceAccount),
  nextPageToken: z.string().optional(),
})

export const Token = z.object({
  name: z.string(),
  serviceAccount: z.string(),
  displayName: z.string().optional(),
  /**
   * Present only in the response that created the token; never stored in clear. A JWT (Indent's SDK
   * reads its `sub`): `iss` names the instance, `jti` is this token's `name`.
   */
  accessToken: z.string().optional(),
  /** The service account's roles when the token was made, space-delimited (Indent's `scope`). */
  scope: z.string(),
  /** Days from creation to expiry, as it was created with; absent for a token that lasts until revoked. */
  expiryDays: z.number().int().optional(),
  expireTime: Timestamp.optional(),
  revokeTime: Timestamp.optional(),
  lastUseTime: Timestamp.optional(),
  meta: Meta,
})
export type Token = z.infer<typeof Token>
export const CreateTokenRequest = z.strictObject({
  serviceAccount: Name,
  displayName: z.string().max(256).optional(),
  expiryDays: z.number().int().min(1).max(3650).optional(),
})
export const ListTokensQuery = PageQuery.extend({
  serviceAccount: Name.optional(),
  showRevoked: z.enum(['true', 'false']).optional(),
})
export const ListTokensResponse = z.object({ tokens: z.array(Token), nextPageToken: z.string().optional() })

/** `POST /v1/auth/token`: trade a one-time sign-in code for a short-lived user access token. */
export const AuthTokenRequest = z.strictObject({
  grantType: z.literal('signInCode'),
  code: z.string().min(1).max(256),
})
export const AuthTokenResponse = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int(),
})
