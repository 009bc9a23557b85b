/**
 * The longest, in seconds, the server holds an approval check or a petition `:wait` open for a
 * decision. Servers may be configured lower (behind proxies with short timeouts), never higher.
 * Zod-free, so the SDK can import it without the schemas.
 */
export const MAX_WAIT_SECONDS = 30
