// Packs the SDKs from this repository into .sdk/, so that `npm install` gets them as an app gets a
// published package: the files a release would contain, not a link into the workspace.
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
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
console.log(`packed @openindent/contract, api and approvals into ${dest}`)
