import type { WatchPetitionEvent } from '@openindent/contract'
import type { DomainEvent, EventFeed } from '../events.js'
import { identityOf } from '../identity.js'
import type { PetitionRepository } from './ports.js'
import { targetKey } from './types.js'

/** One open watch stream: the space it watches, whom it may tell, and how to tell it. */
export interface Watcher {
  spaceId: string
  /** Whether this watcher may learn of a petition with these petitioners (identity keys). */
  sees(petitioners: readonly string[]): boolean
  send(event: WatchPetitionEvent): void
  /** The instance stops: the watcher must end its stream. */
  end(reason: string): void
}

/**
 * Fans committed petition events out to the watch streams of this instance (SDK decision caches),
 * this instance's commits and other instances' alike (the feed carries both). Each event is read once
 * per instance, whatever the number of streams, to name the identities and targets it concerns; events
 * are sent in commit order.
 */
export class WatchHub {
  private readonly watchers = new Set<Watcher>()
  private unsubscribe: (() => void) | undefined
  private queue: Promise<void> = Promise.resolve()

  constructor(
    private readonly feed: EventFeed,
    private readonly petitions: Pick<PetitionRepository, 'get'>,
  ) {}

  /** Adds a watcher; returns its removal. The feed is listened to only while someone watches. */
  add(watcher: Watcher): () => void {
    this.watchers.add(watcher)
    this.unsubscribe ??= this.feed.subscribe((events) => this.heard(events))
    return () => {
      this.watchers.delete(watcher)
      if (this.watchers.size === 0) {
        this.unsubscribe?.()
        this.unsubscribe = undefined
      }
    }
  }

  get size(): number {
    return this.watchers.size
  }

  /** Ends every stream (the instance is stopping). */
  close(): void {
    for (const w of [...this.watchers]) w.end('the server is stopping')
    this.watchers.clear()
    this.unsubscribe?.()
    this.unsubscribe = undefined
  }

  private heard(events: readonly DomainEvent[]): void {
    const spaces = new Set([...this.watchers].map((w) => w.spaceId))
    const relevant = events.filter((e) => spaces.has(e.spaceId))
    if (relevant.length === 0) return
    this.queue = this.queue.then(() => this.push(relevant)).catch(() => this.failed())
  }

  private async push(events: readonly DomainEvent[]): Promise<void> {
    const read = await Promise.all(events.map((e) => this.petitions.get(e.spaceId, e.petition)))
    events.forEach((e, i) => {
      const p = read[i]
      const event: WatchPetitionEvent = {
        type: e.type,
        petition: e.petition,
        petitioners: p ? [...new Set(p.petitioners.map(identityOf))] : [],
        resources: p ? [...new Set(p.resources.map(targetKey))] : [],
        at: e.at,
      }
      for (const w of this.watchers) {
        if (w.spaceId === e.spaceId && (p === undefined || w.sees(event.petitioners))) w.send(event)
      }
    })
  }

  /** A petition could not be read: what it concerned is unknown, so every stream ends (SDKs re-ask). */
  private failed(): void {
    for (const w of [...this.watchers]) w.end('a change could not be read')
  }
}
