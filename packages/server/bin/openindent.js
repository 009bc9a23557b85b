#!/usr/bin/env node
// The committed entry point: it exists before the first build, so npm can link the bin on a fresh clone.
import { existsSync } from 'node:fs'

const main = new URL('../dist/main.js', import.meta.url)
if (!existsSync(main)) {
  process.stderr.write('openindent: not built yet; run `npm run build` in the repository root\n')
  process.exit(1)
}
await import(main.href)
