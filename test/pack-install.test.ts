import { type ChildProcess, execFile, spawn } from 'node:child_process'
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, ENGINES, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { REPO_ROOT } from './support/server-process.js'

/**
 * The packages as a real app gets them: `npm pack` of each, installed from the tarballs into empty
 * apps in the system's temp folder, far from this repository and its workspace. The client app gets
 * the client packages only (scripts/client-packages.json: add a package there and it is packed,
 * installed and checked here too); the operator's folder gets the CLI/server package.
 */
const CLIENT_PACKAGES: string[] = JSON.parse(
  readFileSync(join(REPO_ROOT, 'scripts/client-packages.json'), 'utf8'),
) as string[]
const SERVER_PACKAGES = ['contract', 'api', 'webhook', 'server']
/** What only a server needs: none of it may reach an app that installs the client packages. */
const SERVER_ONLY_DEPS = ['better-sqlite3', 'pg', 'hono', '@hono/node-server', 'kysely', 'pino', 'commander']
const GUIDE = join(REPO_ROOT, 'test/guide')
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const INSTALL_FLAGS = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']
/** An install may have to fetch the server's dependencies' metadata; on a busy machine that took 2 minutes. */
const INSTALL_TIMEOUT = 420_000

interface Run {
  code: number
  stdout: string
  stderr: string
}

function exec(
  file: string,
  args: string[],
  opts: { cwd: string; env?: Record<string, string>; timeout?: number },
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: opts.cwd,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...opts.env },
        timeout: opts.timeout ?? 120_000,
        maxBuffer: 1 << 24,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
        // A run killed at its timeout prints nothing of its own: say so, or the failure reads as silence.
        const killed = err?.killed ? `\n(killed after ${opts.timeout ?? 120_000} ms)` : ''
        resolve({ code, stdout, stderr: stderr + killed })
      },
    )
  })
}

async function mustRun(file: string, args: string[], opts: Parameters<typeof exec>[2]): Promise<string> {
  const r = await exec(file, args, opts)
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`)
  return r.stdout
}

const tarball = (dir: string, name: string) => join(dir, `openindent-${name}-0.1.0.tgz`)

/** An app's package.json whose @openindent/* come from the tarballs, also where one depends on another. */
function appManifest(packDir: string, names: string[], extra: Record<string, unknown>): string {
  const dependencies = Object.fromEntries(
    names.map((n) => [`@openindent/${n}`, `file:${tarball(packDir, n)}`]),
  )
  // Without the overrides, `@openindent/api`'s own dependency on `@openindent/contract@^0.1.0` would be
  // looked up in the registry instead of the tarball beside it.
  const overrides = Object.fromEntries(names.map((n) => [`@openindent/${n}`, `$@openindent/${n}`]))
  return JSON.stringify({ name: 'an-app', private: true, dependencies, overrides, ...extra }, null, 2)
}

/** The guide's ES module snippets as plain `node` runs them: relative imports need their extension. */
function asEsm(source: string): string {
  return source.replace(/from '(\.\/[\w-]+)'/g, "from '$1.js'")
}

/** The same snippets as CommonJS (`require`), as an app without "type": "module" writes them. */
function asCjs(source: string): string {
  let out = source
    .replace(/^import \{ ([^}]+) \} from '([^']+)'$/gm, (_m, names: string, from: string) => {
      const target = from.startsWith('./') ? `${from}.cjs` : from
      return `const { ${names} } = require('${target}')`
    })
    .replace(/^import (\w+) from '(\.\/[\w-]+)'$/gm, "const $1 = require('$2.cjs')")
    .replace(/^export async function (\w+)/gm, 'exports.$1 = async function $1')
    .replace(/^export default /gm, 'module.exports = ')
  // CommonJS has no top-level await.
  if (/^[^/\n].*\bawait\b/m.test(out.replace(/async function[\s\S]*?\n}\n/g, ''))) {
    out = `;(async () => {\n${out}\n})()\n`
  }
  if (/^\s*(import|export) /m.test(out)) throw new Error(`not converted to CommonJS:\n${out}`)
  return out
}

function writeGuide(dir: string, kind: 'esm' | 'cjs'): void {
  mkdirSync(dir, { recursive: true })
  for (const file of readdirSync(GUIDE)) {
    const source = readFileSync(join(GUIDE, file), 'utf8')
    if (kind === 'esm') writeFileSync(join(dir, file), asEsm(source))
    else writeFileSync(join(dir, file.replace(/\.js$/, '.cjs')), asCjs(source))
  }
}

/** What a TypeScript app would write: the types are real (not `any`), from ESM and CommonJS alike. */
const TYPES_ESM = `import { IndentAPI, type ClientOptions } from '@openindent/api'
import { approval, getErrorKind, type ApprovalErrorKind } from '@openindent/approvals'
const options: ClientOptions = { apiToken: 't', spaceName: 's' }
const client: IndentAPI = new IndentAPI(options)
// @ts-expect-error: not an option of IndentAPI
new IndentAPI({ token: 't' })
const kind: ApprovalErrorKind = getErrorKind(new Error('x'))
// @ts-expect-error: not a kind
const wrong: ApprovalErrorKind = 'nope'
export const used = [client.resource, approval, kind, wrong]
`
const TYPES_CJS = `import api = require('@openindent/api')
import approvals = require('@openindent/approvals')
const client: api.IndentAPI = new api.IndentAPI({ apiToken: 't' })
// @ts-expect-error: not an option of IndentAPI
new api.IndentAPI({ token: 't' })
export const used = [client.petition, approvals.approval]
`

describe('the packages, packed and installed into apps outside the repository', () => {
  let work: string
  let clientApp: string
  let opsDir: string
  let globalPrefix: string

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'openindent-pack-'))
    const packDir = join(work, 'tarballs')
    mkdirSync(packDir)
    // The CommonJS half of the build; `tsc -b` (run before the tests) made the ES module half.
    await mustRun(process.execPath, ['scripts/build-cjs.mjs'], { cwd: REPO_ROOT })
    const names = [...new Set([...CLIENT_PACKAGES, ...SERVER_PACKAGES])]
    await mustRun(
      'npm',
      [
        'pack',
        '--pack-destination',
        packDir,
        '--loglevel=error',
        ...names.flatMap((n) => ['-w', `packages/${n}`]),
      ],
      { cwd: REPO_ROOT },
    )

    clientApp = join(work, 'app')
    mkdirSync(clientApp)
    writeFileSync(join(clientApp, 'package.json'), appManifest(packDir, CLIENT_PACKAGES, { type: 'module' }))
    opsDir = join(work, 'ops')
    mkdirSync(opsDir)
    writeFileSync(join(opsDir, 'package.json'), appManifest(packDir, SERVER_PACKAGES, {}))
    globalPrefix = join(work, 'global')
    await Promise.all([
      mustRun('npm', INSTALL_FLAGS, { cwd: clientApp, timeout: INSTALL_TIMEOUT }),
      // `npm install -g` of the same tarballs, into a prefix of its own rather than this machine's.
      mustRun(
        'npm',
        [
          ...INSTALL_FLAGS,
          '--ignore-scripts',
          '--global',
          '--prefix',
          globalPrefix,
          ...SERVER_PACKAGES.map((n) => tarball(packDir, n)),
        ],
        { cwd: work, timeout: INSTALL_TIMEOUT },
      ),
      // better-sqlite3's install script fetches a prebuilt binary (prebuild-install), which this
      // machine cannot download; its fallback compiles from source, which must not happen in a test.
      // So scripts are skipped and the binary this repository installed for the same version is used.
      mustRun('npm', [...INSTALL_FLAGS, '--ignore-scripts'], { cwd: opsDir, timeout: INSTALL_TIMEOUT }),
    ])
    const ours = join(REPO_ROOT, 'node_modules/better-sqlite3')
    const theirs = join(opsDir, 'node_modules/better-sqlite3')
    const version = (dir: string) =>
      (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version
    expect(version(theirs)).toBe(version(ours))
    mkdirSync(join(theirs, 'build/Release'), { recursive: true })
    copyFileSync(
      join(ours, 'build/Release/better_sqlite3.node'),
      join(theirs, 'build/Release/better_sqlite3.node'),
    )
    writeGuide(join(clientApp, 'esm'), 'esm')
    writeGuide(join(clientApp, 'cjs'), 'cjs')
  }, 600_000)
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('the client packages bring no server dependency and install on their own', () => {
    const installed = readdirSync(join(clientApp, 'node_modules'))
    for (const dep of SERVER_ONLY_DEPS) {
      expect(installed, dep).not.toContain(dep.split('/')[0])
    }
    expect(readdirSync(join(clientApp, 'node_modules/@openindent')).sort()).toEqual(
      [...CLIENT_PACKAGES].sort(),
    )
  })

  it('an app type-checks against them, from ES modules and from CommonJS', async () => {
    writeFileSync(join(clientApp, 'check.mts'), TYPES_ESM)
    writeFileSync(join(clientApp, 'check.cts'), TYPES_CJS)
    writeFileSync(
      join(clientApp, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib: ['ES2023', 'DOM'],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        files: ['check.mts', 'check.cts'],
      }),
    )
    const r = await exec(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: clientApp })
    expect(r.stdout + r.stderr).toBe('')
    expect(r.code).toBe(0)
  })

  it('after `npm install -g` of the tarballs, `npx openindent` runs it from any folder', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'openindent-elsewhere-'))
    try {
      const r = await exec('npx', ['--no-install', 'openindent', '--help'], {
        cwd: elsewhere,
        env: {
          PATH: `${join(globalPrefix, 'bin')}:${process.env.PATH ?? ''}`,
          npm_config_prefix: globalPrefix,
        },
      })
      expect(r.stderr).toBe('')
      expect(r.stdout).toContain('Usage: openindent')
    } finally {
      rmSync(elsewhere, { recursive: true, force: true })
    }
  })

  it('`npx openindent` runs the installed CLI from the folder it is installed in, and from below it', async () => {
    mkdirSync(join(opsDir, 'deeper/still'), { recursive: true })
    for (const cwd of [opsDir, join(opsDir, 'deeper/still')]) {
      const r = await exec('npx', ['--no-install', 'openindent', '--version'], { cwd })
      expect(r.stderr).toBe('')
      expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
    }
  })

  describe.each(ENGINES)("the guide's snippets in the app, against the installed server on %s", (engine) => {
    let db: TestDatabase
    let server: ChildProcess
    let env: Record<string, string>
    let url: string
    let output = ''

    /** The installed CLI, as the operator runs it in their folder. */
    const openindent = (args: string[], extra: Record<string, string> = {}) =>
      exec('npx', ['--no-install', 'openindent', ...args], {
        cwd: opsDir,
        env: {
          OPENINDENT_DATA_DIR: db.dataDir,
          LOG_LEVEL: 'silent',
          ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
          ...extra,
        },
      })

    beforeAll(async () => {
      db = await createTestDatabase(engine)
      server = spawn(join(opsDir, 'node_modules/.bin/openindent'), ['serve'], {
        cwd: opsDir,
        env: {
          PATH: process.env.PATH ?? '',
          PORT: '0',
          LOG_LEVEL: 'warn',
          // The guide's approval() waits 10 s for a decision; the server may hold it for less.
          OPENINDENT_MAX_CHECK_WAIT: '1s',
          OPENINDENT_DATA_DIR: db.dataDir,
          ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      server.stdout?.on('data', (d: Buffer) => {
        output += d.toString()
      })
      server.stderr?.on('data', (d: Buffer) => {
        output += d.toString()
      })
      const started = Date.now()
      while (!/INDENT_API_TOKEN=\S+/.test(output)) {
        if (Date.now() - started > 30_000 || server.exitCode !== null) {
          throw new Error(`the installed server did not start:\n${output}`)
        }
        await new Promise((r) => setTimeout(r, 100))
      }
      url = /OpenIndent listening on (\S+)/.exec(output)?.[1] ?? ''
      env = {
        INDENT_API_URL: `${url}/v1`,
        INDENT_SPACE: 'default',
        INDENT_API_TOKEN: /INDENT_API_TOKEN=(\S+)/.exec(output)?.[1] ?? '',
      }
    }, 60_000)
    afterAll(async () => {
      if (server && server.exitCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve))
        server.kill('SIGTERM')
        await exited
      }
      await db?.drop()
    })

    it('step 3 (upload) runs as ES module and as CommonJS', async () => {
      for (const script of ['esm/upload.js', 'cjs/upload.cjs']) {
        const r = await exec(process.execPath, [script], { cwd: clientApp, env })
        expect(r, script).toEqual({ code: 0, stdout: '', stderr: '' })
      }
      const list = await openindent(['resources', 'list', '--kind', 'customer'], env)
      expect(list.stdout.trim().split('\n')).toHaveLength(4) // the header and three customers
    })

    it('step 4 (request access) waits, a reviewer approves with the installed CLI, then it is granted', async () => {
      const ask = (script: string, customer: string) =>
        mustRun(process.execPath, [script, 'staff@example.com', customer], { cwd: clientApp, env })
      const waiting = { ok: false, status: 'waiting' }
      const [esm, cjs] = await Promise.all([
        ask('esm/run-request-access.js', 'cus_acme'),
        ask('cjs/run-request-access.cjs', 'cus_globex'),
      ])
      expect([JSON.parse(esm), JSON.parse(cjs)]).toEqual([waiting, waiting])

      // The reviewer: the first-run admin, a person other than the petitioner.
      const minted = await openindent(['token', 'create', '--space', 'default', '--user', 'admin@localhost'])
      expect(minted.stderr).toBe('')
      const reviewer = { ...env, INDENT_API_TOKEN: minted.stdout.trim() }
      const open = await openindent(['petitions', 'list', '--phase', 'open'], reviewer)
      const names = open.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[0] ?? '')
      expect(names).toHaveLength(2)
      for (const name of names) {
        const approved = await openindent(['petitions', 'approve', name, '--duration', '1h'], reviewer)
        expect(approved.stdout).toBe(`approved ${name} (1h0m0s)\n`)
      }
      expect(JSON.parse(await ask('esm/run-request-access.js', 'cus_acme'))).toEqual({ ok: true })
      expect(JSON.parse(await ask('cjs/run-request-access.cjs', 'cus_globex'))).toEqual({ ok: true })
    }, 60_000)
  })
})
