import type { Kysely } from 'kysely'
import type { EngineAdapter } from './engine.js'
import type { Database } from './schema.js'

/** One caller's part of a shared commit: its work, and how to answer it. */
interface Part {
  run(trx: Kysely<Database>): Promise<() => void>
  fail(err: unknown): void
}

/**
 * Event-loop turns a shared transaction waits, with nothing left to run, for another part to arrive
 * before it commits. Two turns let the loop poll sockets once in between, so an upload whose body
 * arrived while the previous part ran is read, parsed and joins.
 */
const IDLE_TURNS = 2
/** Parts per commit at most, so that the first one waits for a bounded amount of work. */
const MAX_PARTS = 16

/**
 * Group commit on SQLite. A commit there waits for the disk (synchronous = FULL), and better-sqlite3
 * waits on the event loop's thread, so a server taking an upload's chunks one transaction each spends
 * much of its time in commits while the next chunk waits in the socket. Transactions that allow it run
 * one after another in one write transaction, which commits once for all of them, and writes a page
 * that several of them changed (an index page, the chain head) once. Each caller is answered only after
 * the commit that holds its writes, and all are refused if that commit fails: nothing is acknowledged
 * before it is on disk. A later part sees an earlier one's writes, as it would after that commit.
 *
 * No savepoints: SQLite copies every page a savepoint changes to a sub-journal first, which cost more
 * than the commits saved. When a part throws, the whole transaction rolls back, that part is refused,
 * and the others run again in a new one (so a part must have no effect outside its transaction).
 */
export class SharedCommits {
  private open: Part[] | undefined

  constructor(
    private readonly db: Kysely<Database>,
    private readonly adapter: EngineAdapter,
  ) {}

  /**
   * Runs `run` in the open shared transaction, or starts one. `run` returns what to do once committed
   * (tell the listeners, answer the caller); `fail` is called instead when its part or the commit fails.
   */
  add(run: Part['run'], fail: Part['fail']): void {
    this.push({ run, fail })
  }

  private push(part: Part): void {
    if (this.open && this.open.length < MAX_PARTS) {
      this.open.push(part)
      return
    }
    const parts = [part]
    this.open = parts
    void this.commit(parts)
  }

  private async commit(parts: Part[]): Promise<void> {
    const committed: (() => void)[] = []
    let failed: { part: Part; err: unknown } | undefined
    try {
      await this.adapter.writeTransaction(this.db, async (trx) => {
        let ran = 0
        for (let idle = 0; ; idle++) {
          for (let part = parts[ran]; part; part = parts[ran]) {
            ran++
            idle = 0
            try {
              committed.push(await part.run(trx))
            } catch (err) {
              failed = { part, err }
              throw err
            }
          }
          // Checked right after finding no part left to run, with no await in between: a part added
          // during the last turn has run.
          if (idle >= IDLE_TURNS || parts.length >= MAX_PARTS) break
          await new Promise((resolve) => setImmediate(resolve))
        }
        // Parts that arrive from here on start the next transaction.
        if (this.open === parts) this.open = undefined
      })
    } catch (err) {
      if (this.open === parts) this.open = undefined
      if (!failed) {
        // The commit failed (or BEGIN did): nothing of these parts is stored.
        for (const part of parts) part.fail(err)
        return
      }
      // One part failed: it alone is refused; the others were rolled back with it and run again.
      failed.part.fail(failed.err)
      for (const part of parts) if (part !== failed.part) this.push(part)
      return
    }
    for (const after of committed) after()
  }
}
