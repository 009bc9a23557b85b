import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { type Browser, chromium, type Page } from 'playwright-core'
import { expect } from 'vitest'

/** Debian's Chromium: never a browser downloaded by a test tool. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const AXE_PATH = '/__test-axe.js'

interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: unknown[] }[]
}

/**
 * Runs axe in the page and fails on serious or critical violations. Axe is served as if from the page's
 * own origin (intercepted by the browser, never by our server), so the strict CSP stays on.
 */
export async function expectAccessible(page: Page): Promise<void> {
  await page.route(`**${AXE_PATH}`, (route) =>
    route.fulfill({ body: AXE_SOURCE, contentType: 'text/javascript' }),
  )
  await page.addScriptTag({ url: AXE_PATH })
  const { violations, passes } = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[]; passes: unknown[] }> } }
    ).axe
    const r = await axe.run()
    return { violations: r.violations, passes: r.passes.length }
  })
  // Axe really looked at the page (a blocked script would make every check vacuous).
  expect(passes).toBeGreaterThan(10)
  const bad = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`)
  expect(bad, `axe on ${page.url()}`).toEqual([])
}

/** Nothing wider than the viewport: a phone scrolls down, never sideways. */
export async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const { scroll, width } = await page.evaluate(() => {
    const w = globalThis as unknown as {
      document: { documentElement: { scrollWidth: number } }
      innerWidth: number
    }
    return { scroll: w.document.documentElement.scrollWidth, width: w.innerWidth }
  })
  expect(scroll, `page ${page.url()} is ${scroll}px wide in a ${width}px window`).toBeLessThanOrEqual(width)
}
