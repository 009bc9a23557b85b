import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/** How often the checkpointer copies committed pages from the WAL into the database file. */
const CHECKPOINT_EVERY_MS = 25

/**
 * The writing connection's own checkpoint, kept as a backstop should the checkpointer stop or fall
 * behind: at 10,000 pages of WAL (40 MiB) instead of SQLite's 1,000.
 */
export const WRITER_CHECKPOINT_PAGES = 10_000

// A script rather than a module file, so that it runs the same from the built package and from the
// TypeScript sources the tests load.
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file)
db.pragma('synchronous = FULL')
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)')
  } catch {
    // Busy or failing: the next turn tries again, and the writer's own checkpoint is the backstop.
  }
}, workerData.everyMs)
parentPort.once('message', () => {
  clearInterval(timer)
  db.close()
  parentPort.postMessage('closed')
})
`

export interface Checkpointer {
  stop(): Promise<void>
}

/**
 * Checkpoints a SQLite database in WAL mode from a thread of its own. A checkpoint copies the pages
 * committed to the WAL into the database file and waits for that file to reach the disk; run by the
 * writing connection, as SQLite does by default, it holds up the event loop in the commit that crosses
 * the WAL's size limit, and an upload of 1,000-row chunks crosses it at nearly every commit. From here
 * it overlaps with the next transaction. Durability is unchanged: a commit is on disk once it is in
 * the WAL (synchronous = FULL), and a checkpoint only moves committed pages; readers and the writer
 * carry on while it runs (PASSIVE), and `PRAGMA data_version` does not move for it.
 */
export function startCheckpointer(file: string): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3')
  const worker = new Worker(SOURCE, {
    eval: true,
    workerData: { driver, file, everyMs: CHECKPOINT_EVERY_MS },
  })
  // Never what keeps a process alive; a process that exits without stop() loses no data.
  worker.unref()
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  worker.on('error', () => {})
  return {
    async stop() {
      const closed = new Promise<void>((resolve) => worker.once('message', () => resolve()))
      worker.postMessage('stop')
      await Promise.race([closed, exited])
      await worker.terminate()
    },
  }
}
