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

export const toIso = (ms: number): string => new Date(ms).toISOString()
