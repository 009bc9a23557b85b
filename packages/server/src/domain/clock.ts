/** Where time comes from. Injected everywhere, so tests move time instead of sleeping. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  constructor(private time = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.time
  }
  advance(ms: number): void {
    this.time += ms
  }
  set(ms: number): void {
    this.time = ms
  }
}

let lastMs = Number.NaN
let lastIso = ''

/**
 * Epoch milliseconds → ISO 8601. Remembers the last answer: a bulk upload's 100,000 resources share
 * one update time, and formatting it anew for each was a visible share of the upload's cost.
 */
export function toIso(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString()
    lastMs = ms
  }
  return lastIso
}
