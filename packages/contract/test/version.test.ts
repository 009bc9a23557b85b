import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { VERSION } from '../src/version.js'

const ROOT = new URL('../../../', import.meta.url)

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(path, ROOT), 'utf8')) as T
}

describe('VERSION', () => {
  // The server reports VERSION and the SDK sends it in User-Agent, so every package must be released at it.
  const { workspaces } = readJson<{ workspaces: string[] }>('package.json')

  test.each(workspaces)('equals the version in %s/package.json', (workspace) => {
    expect(readJson<{ version: string }>(`${workspace}/package.json`).version).toBe(VERSION)
  })
})
