import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { REPO_ROOT } from './server-process.js'

/** Where the browser tests leave their pictures (gitignored; CI keeps the folder as an artifact). */
export const ARTIFACTS = join(REPO_ROOT, 'test', '.artifacts', 'screenshots')

/** Desktop and phone, the two sizes every page is checked and pictured at. */
export const SIZES = { desktop: { width: 1280, height: 860 }, phone: { width: 375, height: 812 } } as const

/** Stands in for a token in pictures: plainly not one, so a picture never carries a secret. */
export const TOKEN_PLACEHOLDER = 'eyJ…example-not-a-real-token'

/**
 * Replaces the token of a keys page's `export` lines with a placeholder, then checks that the real
 * token is nowhere left on the page; a picture taken after this cannot leak it.
 */
export async function maskToken(page: Page): Promise<void> {
  const lines = page.locator('#export-lines')
  const token = /INDENT_API_TOKEN=(\S+)/.exec((await lines.textContent()) ?? '')?.[1]
  if (!token) throw new Error('no token on the page to mask')
  await lines.evaluate((el, placeholder) => {
    el.textContent = (el.textContent ?? '').replace(/(INDENT_API_TOKEN=)\S+/, `$1${placeholder}`)
  }, TOKEN_PLACEHOLDER)
  const html = await page.content()
  if (html.includes(token)) throw new Error('the token is still on the page')
}

/** The pixel width and height of a PNG, from its header. */
export function pngSize(file: string): { width: number; height: number } {
  const png = readFileSync(file)
  if (png.subarray(1, 4).toString('latin1') !== 'PNG') throw new Error(`${file} is not a PNG`)
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) }
}

/** Saves a full-page picture as `<dir>/<name>.png` and returns its path. */
export async function shoot(page: Page, dir: string, name: string): Promise<string> {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}
