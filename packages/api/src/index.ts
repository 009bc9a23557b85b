import { IndentAPI } from './indent-api.js'

// Wire types, re-exported as types only: the SDK never loads the contract's schemas at run time.
export type {
  CheckApprovalResponse,
  CheckStatus,
  Event,
  Petition,
  PetitionResource,
  Phase,
  Resource,
  ResourceInput,
} from '@openindent/contract'
export { VERSION } from '@openindent/contract/version'
export type { BulkOptions, BulkProgress } from './chunks.js'
export { DEFAULT_CHUNK_SIZE, DEFAULT_CONCURRENCY } from './chunks.js'
export type {
  APIClientConfig,
  APIRequest,
  HeadersInput,
  HTTPMethod,
  QueryValue,
  RequestOptions,
} from './client.js'
export { APIClient } from './client.js'
export {
  DEFAULT_STALE_AFTER_MS,
  DecisionCache,
  type DecisionCacheOptions,
  type DecisionCacheStats,
  forgetDecisions,
} from './decision-cache.js'
export { formatGoDuration, isPositiveDuration, parseGoDuration } from './duration.js'
export {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  type APIErrorCode,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  IndentConfigError,
  IndentError,
  InternalServerError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  UnsupportedMediaTypeError,
} from './errors.js'
export {
  CLIENT_OPTIONS,
  type ClientOptions,
  DEFAULT_BASE_URL,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT,
  IndentAPI,
} from './indent-api.js'
export type {
  ApproveParams,
  CheckApprovalParams,
  CheckOptions,
  ClaimAPI,
  ClaimInput,
  ClaimList,
  ClaimNameParams,
  CreatePetitionOptions,
  DecisionParams,
  ListClaimsParams,
  ListPetitionsParams,
  PetitionAPI,
  PetitionInput,
  PetitionList,
  PetitionNameParams,
  PetitionUpdate,
  WaitForParams,
} from './petitions.js'
export { DEFAULT_WAIT_FOR_TIMEOUT } from './petitions.js'
export type {
  BulkRequestOptions,
  BulkUpdateCounts,
  BulkUpdateOptions,
  ListResourcesParams,
  ResourceAPI,
  ResourceList,
  ResourceNameParams,
  SpaceParam,
} from './resources.js'
export { defaultPetitioners, tokenSubject } from './token.js'
export { isWaitSeconds, LONG_POLL_MARGIN_MS, MAX_WAIT_SECONDS } from './wait.js'

/**
 * `IndentAPI` is also the default export, as in Indent's `@indent/api`.
 *
 * @example
 * ```ts
 * import IndentAPI from '@openindent/api'
 * const client = new IndentAPI({ spaceName: 'acme' })
 * ```
 */
export default IndentAPI
