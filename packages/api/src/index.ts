import { IndentAPI } from './indent-api.js'

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
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  type APIErrorCode,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  IndentError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from './errors.js'
export {
  type ClientOptions,
  DEFAULT_BASE_URL,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT,
  IndentAPI,
} from './indent-api.js'
export type {
  BulkRequestOptions,
  ListResourcesParams,
  ResourceAPI,
  ResourceList,
  ResourceNameParams,
  SpaceParam,
} from './resources.js'
export { VERSION } from './version.js'

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
