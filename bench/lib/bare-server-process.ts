import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ENTRY = fileURLToPath(new URL('./bare-json-server.ts', import.meta.url))
// The child loads its one TypeScript file through tsx; the request path runs as plain compiled JS.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

export interface BareServer {
  url: string
  pid: number | undefined
  stop(): Promise<number | null>
}

/** Starts bench/lib/bare-json-server.ts in a child process, answering every request with `body`. */
export async function startBareJsonServer(body: string): Promise<BareServer> {
  const child = spawn(process.execPath, ['--import', TSX, ENTRY], {
    env: { PATH: process.env.PATH ?? '', BARE_JSON_BODY: body },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`bare server did not start in 20 s: ${out}`)), 20_000)
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out)
      if (m?.[1]) {
        clearTimeout(timer)
        resolve(m[1])
      }
    })
    exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`bare server exited with ${code}: ${out}`))
    })
  })
  return {
    url,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return child.exitCode
      child.kill('SIGTERM')
      return exited
    },
  }
}
