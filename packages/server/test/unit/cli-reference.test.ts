import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { buildProgram } from '../../src/cli/program.js'
import { renderCliReference } from '../../src/cli/reference.js'

const CLI_MD = new URL('../../../../docs/cli.md', import.meta.url)

describe('docs/cli.md', () => {
  it('is what `npm run docs` renders from the commander definitions today', () => {
    const rendered = renderCliReference(buildProgram())
    // On failure: run `npm run docs` and commit docs/cli.md.
    expect(readFileSync(CLI_MD, 'utf8')).toBe(rendered)
  })

  it('names every command and option the CLI has', () => {
    const md = readFileSync(CLI_MD, 'utf8')
    const walk = (cmd: ReturnType<typeof buildProgram>, path: string[]): void => {
      for (const sub of cmd.commands) {
        const here = [...path, sub.name()]
        expect(md).toContain(`## ${here.join(' ')}\n`)
        for (const option of sub.options) if (!option.hidden) expect(md).toContain(`\`${option.flags}\``)
        walk(sub, here)
      }
    }
    walk(buildProgram(), [])
  })
})
