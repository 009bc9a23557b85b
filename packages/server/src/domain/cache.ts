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
  /**
   * Narrow invalidation: a tag (e.g. one petition) is stamped with a tick of `ticks` when something it
   * names changes. An entry read from tick t is stale once any of its tags was stamped after t; the
   * tick is read *before* the database is, so a change that lands during the read is not missed.
   */
  private ticks = 0
  private readonly stamped = new Map<string, number>()

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

  /** The tick to store with an entry whose read starts now (see `stamped`). */
  tick(): number {
    return this.ticks
  }

  /** What `tags` name changed: entries that depend on any of them and were read before are stale. */
  touch(tags: Iterable<string>): void {
    // Bounded memory: past this many tags, forgetting them all and dropping everything is simpler.
    if (this.stamped.size >= MAX_TAGS) {
      this.stamped.clear()
      this.generation++
    }
    this.ticks++
    for (const tag of tags) this.stamped.set(tag, this.ticks)
  }

  /** Whether none of `tags` changed since `tick`. */
  unchanged(tags: readonly string[], tick: number): boolean {
    for (const tag of tags) if ((this.stamped.get(tag) ?? 0) > tick) return false
    return true
  }

  /** False while this instance may miss changes (see `suspend`). */
  get trusted(): boolean {
    return !this.suspended
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

const MAX_TAGS = 100_000

/** For an entry that also depends on named things (see `Freshness.touch`): their tags, and when read. */
export interface Dependencies {
  tags: readonly string[]
  tick: number
}

interface Entry<V> {
  value: V
  until: number
  generation: number
  deps: Dependencies | undefined
}

/**
 * Values valid until a time, or until any broad write, or until a write to one of their tags, whichever
 * comes first. Store with the generation (and tick) read *before* the database was, so a write that
 * lands during the read invalidates the entry.
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
    if (
      e.until <= now ||
      e.generation !== this.freshness.current() ||
      (e.deps !== undefined && !this.freshness.unchanged(e.deps.tags, e.deps.tick))
    ) {
      this.entries.delete(key)
      return undefined
    }
    return e.value
  }

  /** Files the live entry of `key` under `alias` too, valid exactly as long. */
  share(key: string, alias: string): void {
    const e = this.entries.get(key)
    if (e) this.entries.set(alias, e)
  }

  set(key: string, value: V, until: number, generation: number, deps?: Dependencies): void {
    if (this.entries.size >= this.max) this.entries.clear()
    this.entries.set(key, { value, until, generation, deps })
  }
}

/**
 * How long any cached value may live at most, whatever else holds. It bounds only what no instance is
 * told of: a change made in SQL behind the API's back on PostgreSQL (which sends no announcement), or
 * one an instance failed to hear. Any broad commit through the API (tokens, accounts, members, spaces)
 * drops every cache anyway; petition, resource, rule and audit commits drop only what they name (see
 * `UnitOfWork.narrow`). On a quiet server the TTL costs one indexed read per token (and per cached
 * check) every 10 s.
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

/** The tag of one petition: its events drop the cached check answers its grants stand behind. */
export const petitionTag = (spaceId: string, petition: string): string => `p\u0000${spaceId}\u0000${petition}`
