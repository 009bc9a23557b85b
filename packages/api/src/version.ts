/**
 * The SDK version sent in `User-Agent`; a test keeps it equal to `package.json`.
 *
 * @example
 * ```ts
 * import { VERSION } from '@openindent/api'
 * console.log(`OpenIndentAPI/JS ${VERSION}`)
 * ```
 */
export const VERSION = '0.1.0'
