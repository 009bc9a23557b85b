// Writes docs/cli.md from the built CLI's commander definitions (run `npm run build` first).
import { writeFileSync } from 'node:fs'

const { buildProgram } = await import('../packages/server/dist/cli/program.js')
const { renderCliReference } = await import('../packages/server/dist/cli/reference.js')
writeFileSync(new URL('../docs/cli.md', import.meta.url), renderCliReference(buildProgram()))
