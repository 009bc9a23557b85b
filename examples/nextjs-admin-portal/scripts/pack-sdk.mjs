// Packs the SDKs from this repository into .sdk/, so that `npm install` gets them as an app gets a
// published package: the files a release would contain, not a link into the workspace.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(dirname(fileURLToPath(import.meta.url)))
const repo = join(here, '..', '..')
const dest = join(here, '.sdk')
mkdirSync(dest, { recursive: true })
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
for (const name of ['contract', 'api', 'approvals']) {
  // --ignore-scripts: the repository's root build (`npm install` or `npm run build` there) made dist/.
  execFileSync(
    npm,
    ['pack', join(repo, 'packages', name), '--pack-destination', dest, '--ignore-scripts', '--silent'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
}
// npm trusts the lock's hash of a tarball and may serve the old one from its cache: a rebuilt SDK would
// be silently ignored. Without the hash, `npm install` reads the new tarball (and records its hash).
const lockPath = join(here, 'package-lock.json')
const lock = JSON.parse(readFileSync(lockPath, 'utf8'))
for (const entry of Object.values(lock.packages ?? {})) {
  if (entry.resolved?.startsWith('file:.sdk/')) delete entry.integrity
}
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`)
console.log(`packed @openindent/contract, api and approvals into ${dest}`)
