/** A duration as people write it in a message: `2h`, `90m`, `45s`. */
export function waitText(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms >= 60_000) return `${Math.floor(ms / 60_000)}m`
  return `${Math.ceil(ms / 1000)}s`
}
