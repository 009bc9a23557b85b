import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = fileURLToPath(new URL('../../src', import.meta.url))

/** Every source file under a folder of src/. */
function sources(folder: string): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (/\.tsx?$/.test(entry.name)) out.push(path)
    }
  }
  walk(join(SRC, folder))
  return out
}

/** The top-level folders of src/ a file imports from, other than its own. */
function importedLayers(file: string): Set<string> {
  const layers = new Set<string>()
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
    const target = relative(SRC, join(file, '..', spec as string))
    const [layer] = target.split(sep)
    if (layer && !layer.startsWith('..')) layers.add(layer)
  }
  return layers
}

const offending = (folder: string, banned: string[]) =>
  sources(folder).flatMap((file) =>
    [...importedLayers(file)].filter((l) => banned.includes(l)).map((l) => `${relative(SRC, file)} → ${l}/`),
  )

describe('layers', () => {
  it('keeps the domain free of SQL, HTTP, the CLI and the jobs', () => {
    expect(offending('domain', ['store', 'http', 'cli', 'jobs'])).toEqual([])
  })

  it('keeps the HTTP layer (API and dashboard) off the CLI', () => {
    expect(offending('http', ['cli'])).toEqual([])
  })
})
