/** Rows per multi-row statement: few enough to stay under both engines' parameter limits. */
export const ROWS_PER_STATEMENT = 1000

export function* chunks<T>(items: readonly T[], size = ROWS_PER_STATEMENT): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size)
}
