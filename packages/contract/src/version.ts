/**
 * The version of OpenIndent: the server reports it and the SDK sends it in `User-Agent`. One value for
 * every package, which a test keeps equal to each `package.json`. This module imports nothing, so
 * clients load it (`@openindent/contract/version`) without the contract's zod schemas.
 *
 * @example
 * ```ts
 * import { VERSION } from '@openindent/contract/version'
 * console.log(`OpenIndent ${VERSION}`)
 * ```
 */
export const VERSION = '0.1.0'
