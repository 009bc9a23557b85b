/**
 * Tells waiting requests that a petition's phase may have changed. Decisions are pushed, never polled:
 * in-process on SQLite, through PostgreSQL LISTEN/NOTIFY across instances.
 */
export interface DecisionNotifier {
  /** Calls `listener` after each announced change of the petition; returns the unsubscribe function. */
  subscribe(spaceId: string, petition: string, listener: () => void): () => void
  /** Announces a committed change of the petition, to every instance. */
  publish(spaceId: string, petition: string): Promise<void>
  /** Announces that some data changed (any commit), so every instance drops what it cached. */
  announceChange(): void
  /** Registers the listener for such announcements, this instance's own included. */
  onChange(listener: () => void): void
  close(): Promise<void>
}

/** Fans announcements out to this process's subscribers. */
export class LocalNotifier implements DecisionNotifier {
  private readonly listeners = new Map<string, Set<() => void>>()
  private readonly changeListeners: (() => void)[] = []

  announceChange(): void {
    this.changed()
  }

  onChange(listener: () => void): void {
    this.changeListeners.push(listener)
  }

  /** Runs the change listeners; other notifiers call it when another instance announces a change. */
  changed(): void {
    for (const l of this.changeListeners) l()
  }

  subscribe(spaceId: string, petition: string, listener: () => void): () => void {
    const key = `${spaceId}:${petition}`
    const set = this.listeners.get(key) ?? new Set<() => void>()
    this.listeners.set(key, set)
    set.add(listener)
    return () => {
      set.delete(listener)
      if (set.size === 0) this.listeners.delete(key)
    }
  }

  /** Delivers to local subscribers only; `publish` of other notifiers ends up here. */
  deliver(key: string): void {
    for (const listener of [...(this.listeners.get(key) ?? [])]) listener()
  }

  async publish(spaceId: string, petition: string): Promise<void> {
    this.deliver(`${spaceId}:${petition}`)
  }

  async close(): Promise<void> {
    this.listeners.clear()
  }
}

/** Resolves when `listener`-style notification arrives or after `ms`, whichever is first. */
export function waitForSignal(
  notifier: DecisionNotifier,
  spaceId: string,
  petition: string,
  ms: number,
): { signalled: Promise<boolean>; cancel: () => void } {
  let cancel = () => {}
  const signalled = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => done(false), ms)
    const unsubscribe = notifier.subscribe(spaceId, petition, () => done(true))
    function done(value: boolean) {
      clearTimeout(timer)
      unsubscribe()
      resolve(value)
    }
    cancel = () => done(false)
  })
  return { signalled, cancel }
}
