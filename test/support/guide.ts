import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { ServerProcess } from './server-process.js'

const GUIDE_DIR = fileURLToPath(new URL('../guide/', import.meta.url))
// The guide imports `./db` and `./auth` without extensions, as bundlers and tsx allow; plain `node` ESM does not.
const TSX = createRequire(import.meta.url).resolve('tsx/cli')

/**
 * Runs one of the guide's scripts in its own Node process, configured only through the SDK's
 * environment variables, as the guide's reader would; returns its stdout. Fails on any stderr output.
 */
export function runGuideScript(server: ServerProcess, script: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [TSX, script, ...args], {
    cwd: GUIDE_DIR,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      INDENT_API_URL: server.apiUrl,
      INDENT_SPACE: 'default',
      INDENT_API_TOKEN: server.token ?? '',
    },
    timeout: 60_000,
  })
  if (r.status !== 0 || r.stderr !== '') throw new Error(`${script} exited ${r.status}: ${r.stderr}`)
  return r.stdout
}
