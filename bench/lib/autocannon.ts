import { createRequire } from 'node:module'

/** The part of autocannon's programmatic options the benches use. */
export interface LoadOptions {
  url: string
  method: 'GET' | 'POST'
  headers: Record<string, string>
  body?: string
  connections: number
  /** Seconds. */
  duration: number
  /** Answers that differ from it are counted as `mismatches`. */
  expectBody?: string
  /** Worker threads that fire the requests; 0 runs them on this thread. */
  workers?: number
}

/** The part of autocannon's result the benches read. Latencies are in milliseconds. */
export interface LoadResult {
  duration: number
  errors: number
  timeouts: number
  mismatches: number
  non2xx: number
  '2xx': number
  requests: { average: number; total: number; sent: number }
  latency: { average: number; p50: number; p90: number; p99: number; max: number }
}

// autocannon ships no types (and @types/autocannon is not a dependency), so it is loaded through
// require and given the shape above. Without a callback it returns a promise of the result.
const autocannon = createRequire(import.meta.url)('autocannon') as (
  options: LoadOptions,
) => Promise<LoadResult>

/** Runs autocannon in this process: `connections` persistent (keep-alive) HTTP/1.1 connections. */
export function load(options: LoadOptions): Promise<LoadResult> {
  return autocannon(options)
}
