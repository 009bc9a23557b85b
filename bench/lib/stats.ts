/** The p-th percentile (nearest rank) of the values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  )
}

export const ms = (n: number) => `${n.toFixed(1)} ms`
export const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

/** `--name value` pairs after the script name. */
export function parseArgs(argv: readonly string[] = process.argv): Map<string, string> {
  const args = new Map<string, string>()
  for (let i = 2; i < argv.length; i += 2) args.set(argv[i]?.replace(/^--/, '') ?? '', argv[i + 1] ?? '')
  return args
}
