/**
 * Reads one environment variable, or `undefined` outside Node-like runtimes. The only place the SDK
 * touches `process.env`, and only for options the caller left out. Blank values count as unset, so
 * an `INDENT_SPACE=` line in a `.env` file does not become a space named "".
 *
 * @example
 * ```ts
 * const token = options.apiToken ?? readEnv('INDENT_API_TOKEN')
 * ```
 */
export function readEnv(name: string): string | undefined {
  if (typeof process === 'undefined' || !process.env) return undefined
  const value = process.env[name]?.trim()
  return value ? value : undefined
}
