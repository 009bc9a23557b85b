// CommonJS builds of the client packages (dist/cjs), beside the ES module build `tsc -b` makes (dist),
// so that `require('@openindent/api')` works as well as `import`. The packages are listed in
// client-packages.json; each has a tsconfig.cjs.json. Types were checked by `tsc -b`: this pass only emits.
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const packages = JSON.parse(readFileSync(new URL('./client-packages.json', import.meta.url), 'utf8'))

for (const name of packages) {
  const dir = `${root}packages/${name}`
  rmSync(`${dir}/dist/cjs`, { recursive: true, force: true })
  const r = spawnSync(process.execPath, [tsc, '-p', `${dir}/tsconfig.cjs.json`], { stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
  // Inside a "type": "module" package, this folder's .js files are CommonJS.
  writeFileSync(`${dir}/dist/cjs/package.json`, '{ "type": "commonjs" }\n')
}
