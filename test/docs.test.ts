import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { buildProgram } from '../packages/server/src/cli/program.js'
import { ENV_VARS } from '../packages/server/src/config.js'
import { REPO_ROOT } from './support/server-process.js'

/** The docs a reader follows: the README and docs/, whose names must be the code's names. */
const DOCS = [
  'README.md',
  ...readdirSync(join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
]
const text = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8')

/**
 * Read by the SDK and the API commands, or by the test suite, or by a webhook receiver's own code (the
 * name Indent's receivers use for their secret): not server settings, but real.
 */
const OTHER_VARS = [
  'INDENT_API_URL',
  'INDENT_SPACE',
  'INDENT_API_TOKEN',
  'OPENINDENT_TEST_PG_URL',
  'INDENT_WEBHOOK_SECRET',
]

describe('the docs match the code', () => {
  it('the README links every page of docs/, and every page it links exists', () => {
    const readme = text('README.md')
    for (const file of DOCS.filter((f) => f.startsWith('docs/'))) expect(readme).toContain(`(${file})`)
    for (const file of DOCS) {
      for (const [, target] of text(file).matchAll(/\]\((?!https?:|#)([^)#]+)(?:#[^)]*)?\)/g)) {
        const base = file.startsWith('docs/') ? 'docs' : '.'
        expect(() => readFileSync(join(REPO_ROOT, base, target ?? '')), `${file} → ${target}`).not.toThrow()
      }
    }
  })

  it('every environment variable they name is one the code reads', () => {
    const known = new Set<string>([...Object.values(ENV_VARS), ...OTHER_VARS])
    for (const file of DOCS) {
      for (const [name] of text(file).matchAll(
        /\b(?:OPENINDENT|INDENT)_[A-Z0-9_]*[A-Z0-9]\b|\bDATABASE_URL\b/g,
      )) {
        expect(known, `${file} names ${name}`).toContain(name)
      }
    }
  })

  it('every `openindent …` command they name exists, with its subcommand', () => {
    const program = buildProgram()
    const find = (parent: Command, name: string) => parent.commands.find((c) => c.name() === name)
    for (const file of DOCS) {
      for (const [, first, second] of text(file).matchAll(
        /\bopenindent\s+([a-z][\w-]*)(?:\s+([a-z][\w-]*))?/g,
      )) {
        // Prose such as "openindent issued it" is not a command: commands appear in code.
        const command = find(program, first ?? '')
        if (!command) continue
        if (command.commands.length > 0) {
          expect(find(command, second ?? ''), `${file}: openindent ${first} ${second}`).toBeDefined()
        }
      }
      for (const [, words] of text(file).matchAll(/`(?:npx )?openindent ([^`]+)`/g)) {
        const name = words?.split(/\s+/)[0] ?? ''
        if (!/^[a-z]/.test(name)) continue
        expect(find(program, name), `${file}: \`openindent ${words}\``).toBeDefined()
      }
    }
  })
})
