import type { Principal, SpaceAccess } from './auth/principal.js'
import type { SignedIn } from './sessions/ports.js'

/**
 * Tells whether values read earlier from the database are still current. Every committed write bumps
 * the generation: this instance's own commits directly, other instances' through a notification, and
 * (on SQLite) other processes' through the database's data version, read on each check.
 */
export class Freshness {
  private generation = 0
  private external: number | undefined
  private lastRead = 0
  private suspended = false

  constructor(private readonly externalVersion?: () => number) {
    this.external = externalVersion?.()
  }

  bump(): void {
    this.generation++
  }

  /** Until `resume`, nothing cached is trusted: writes may happen that this instance does not hear of. */
  suspend(): void {
    this.suspended = true
    this.generation++
  }

  /** Trusts new entries again; everything cached before is dropped. */
  resume(): void {
    this.suspended = false
    this.generation++
  }

  current(): number {
    if (this.suspended) return ++this.generation
    // Another process's write is noticed within a millisecond; reading the version once per
    // millisecond rather than on every lookup keeps it off the profile of a busy server.
    const now = performance.now()
    if (this.externalVersion && now - this.lastRead >= 1) {
      this.lastRead = now
      const v = this.externalVersion()
      if (v !== this.external) {
        this.external = v
        this.generation++
      }
    }
    return this.generation
  }
}

interface Entry<V> {
  value: V
  until: number
  generation: number
}

/**
 * Values valid until a time or until any write, whichever comes first. Store with the generation
 * read *before* the database was, so a write that lands during the read invalidates the entry.
 */
export class FreshCache<V> {
  private readonly entries = new Map<string, Entry<V>>()

  constructor(
    private readonly freshness: Freshness,
    private readonly max = 10_000,
  ) {}

  get(key: string, now: number): V | undefined {
    const e = this.entries.get(key)
    if (!e) return undefined
    if (e.until <= now || e.generation !== this.freshness.current()) {
      this.entries.delete(key)
      return undefined
    }
    return e.value
  }

  set(key: string, value: V, until: number, generation: number): void {
    if (this.entries.size >= this.max) this.entries.clear()
    this.entries.set(key, { value, until, generation })
  }
}

/**
 * How long any cached value may live at most, whatever else holds. It bounds only what no instance is
 * told of: a change made in SQL behind the API's back on PostgreSQL (which sends no announcement), or
 * one an instance failed to hear. Any commit through the API drops every cache anyway, so on a server
 * with writes the TTL hardly matters; on a quiet one it costs one indexed read per token (and per
 * cached check) every 10 s.
 */
export const CACHE_TTL_MS = 10_000

/** The domain's caches of one instance, all tied to one freshness. */
export interface Caches {
  freshness: Freshness
  /** Bearer token → who it is. */
  principals: FreshCache<Principal>
  /** Principal and space → standing in the space. */
  access: FreshCache<SpaceAccess>
  /** Dashboard session secret hash → the live session and its person. */
  sessions: FreshCache<SignedIn>
}

export function createCaches(freshness: Freshness): Caches {
  return {
    freshness,
    principals: new FreshCache(freshness),
    access: new FreshCache(freshness),
    sessions: new FreshCache(freshness),
  }
}
