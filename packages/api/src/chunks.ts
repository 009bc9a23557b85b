import { IndentError } from './errors.js'

/**
 * Progress of a chunked bulk call, reported after each chunk the server confirms.
 *
 * @example
 * ```ts
 * const onProgress = ({ done, total }: BulkProgress) => console.log(`${done}/${total}`)
 * ```
 */
export interface BulkProgress {
  /** Items the server has confirmed so far; only grows, and ends at `total`. */
  done: number
  /** Items in the whole call. */
  total: number
}

/**
 * How a bulk call splits its items into requests.
 *
 * @example
 * ```ts
 * await client.resource.bulkUpdate({ resources }, { chunkSize: 500, concurrency: 4, onProgress: console.log })
 * ```
 */
export interface BulkOptions {
  /** Items per request; default 1000. */
  chunkSize?: number
  /** Requests in flight at once; default 4 (`DEFAULT_CONCURRENCY`). */
  concurrency?: number
  /** Called after each chunk completes. */
  onProgress?: (progress: BulkProgress) => void
}

/**
 * Default items per bulk request: large enough to amortise a round trip, small enough to stay well
 * under the server's body limit with generous labels.
 *
 * @example
 * ```ts
 * await client.resource.bulkUpdate({ resources }, { chunkSize: DEFAULT_CHUNK_SIZE / 2 })
 * ```
 */
export const DEFAULT_CHUNK_SIZE = 1000
/**
 * Default bulk requests in flight. A server on SQLite commits the chunks that reach it together in one
 * write (see the README's Performance section), so with four in flight two travel while it writes the
 * other two, and it never waits for the next; on PostgreSQL they are written side by side. At 1,000
 * resources each, four hold a few megabytes on either side.
 *
 * @example
 * ```ts
 * await client.resource.bulkUpdate({ resources }, { concurrency: DEFAULT_CONCURRENCY / 2 })
 * ```
 */
export const DEFAULT_CONCURRENCY = 4

/**
 * Sends `items` in chunks through `send`, at most `concurrency` at once, and resolves with each chunk's
 * result in input order. After a failure no new chunk starts; the in-flight ones are awaited, then the
 * first error is rethrown with `uploaded` set to the length of the confirmed input prefix, the safe
 * point to resume from (chunks after a gap may also have landed, which an idempotent upsert tolerates).
 *
 * @example
 * ```ts
 * const results = await sendInChunks(names, { chunkSize: 1000 }, 5000, (chunk) =>
 *   client.request<{ deleted: number }>({ method: 'POST', path, body: { resourceNames: chunk } }),
 * )
 * ```
 */
export async function sendInChunks<T, R>(
  items: readonly T[],
  options: BulkOptions,
  maxChunkSize: number,
  send: (chunk: T[], index: number) => Promise<R>,
): Promise<R[]> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > maxChunkSize) {
    throw new IndentError(`chunkSize must be an integer from 1 to ${maxChunkSize}, got ${chunkSize}`)
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new IndentError(`concurrency must be a positive integer, got ${concurrency}`)
  }

  const chunks: T[][] = []
  for (let start = 0; start < items.length; start += chunkSize)
    chunks.push(items.slice(start, start + chunkSize))
  const results: R[] = new Array(chunks.length)
  const confirmed: boolean[] = new Array(chunks.length).fill(false)
  let next = 0
  let done = 0
  let failure: { error: unknown } | undefined

  const worker = async () => {
    while (!failure && next < chunks.length) {
      const index = next++
      const chunk = chunks[index] ?? []
      try {
        results[index] = await send(chunk, index)
        confirmed[index] = true
        done += chunk.length
        options.onProgress?.({ done, total: items.length })
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker))

  if (failure) {
    const firstGap = confirmed.indexOf(false)
    const uploaded = firstGap === -1 ? items.length : firstGap * chunkSize
    if (typeof failure.error === 'object' && failure.error !== null) {
      Object.assign(failure.error, { uploaded })
    }
    throw failure.error
  }
  return results
}
