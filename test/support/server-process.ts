import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const CLI = fileURLToPath(new URL('../../packages/server/bin/openindent.js', import.meta.url))

export interface ServerProcess {
  child: ChildProcess
  url: string
  apiUrl: string
  /** The first-run service-account token, when this start created the space. */
  token: string | undefined
  output(): string
  /** SIGTERM, then wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>
}

export interface ServerProcessOptions {
  dataDir: string
  databaseUrl?: string | undefined
  env?: Record<string, string>
  /** Extra Node.js flags, e.g. `--cpu-prof` when profiling a benchmark. */
  nodeArgs?: string[]
}

/** Runs `openindent serve` (the built CLI) as a child process on a free port and waits until it listens. */
export async function startServerProcess(opts: ServerProcessOptions): Promise<ServerProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    PORT: '0',
    LOG_LEVEL: 'info',
    OPENINDENT_DATA_DIR: opts.dataDir,
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
  }
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), CLI, 'serve'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${out}`)), 20_000)
    const check = () => {
      const m = /OpenIndent listening on (http:\/\/[^\s"]+)/.exec(out)
      if (m?.[1]) {
        clearTimeout(timer)
        resolve(m[1])
      }
    }
    child.stdout?.on('data', check)
    exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}:\n${out}`))
    })
  })
  // The banner follows the listening line in the same write or the next one.
  await new Promise((r) => setTimeout(r, 50))
  const token = /INDENT_API_TOKEN=(\S+)/.exec(out)?.[1]
  return {
    child,
    url,
    apiUrl: `${url}/v1`,
    token,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return child.exitCode
      child.kill('SIGTERM')
      return exited
    },
  }
}

/** Runs the built CLI on this host against a database (as an operator beside the server would) and returns its stdout. */
export function runCli(db: { dataDir: string; databaseUrl?: string | undefined }, ...args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      OPENINDENT_DATA_DIR: db.dataDir,
      LOG_LEVEL: 'silent',
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    },
  })
  if (r.status !== 0 || r.stderr !== '') {
    throw new Error(`openindent ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  }
  return r.stdout.trim()
}
