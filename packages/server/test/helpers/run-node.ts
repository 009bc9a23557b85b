import { type ExecFileOptions, execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** Vitest's own bin (its package exports do not include the file, so it is found beside package.json). */
export const VITEST_BIN = join(
  dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
  'vitest.mjs',
)

export interface NodeRun {
  /** The exit code; 1 for a process ended by a signal (a timeout kills it). */
  code: number
  stdout: string
  stderr: string
}

/** Runs Node.js (this one) as a child process on `args`, and resolves once it has exited. */
export function runNode(args: string[], options: ExecFileOptions = {}): Promise<NodeRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { ...options, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}
