/**
 * Takes the README's screenshots of the dashboard: a real server on SQLite with a few requests, seen
 * by a reviewer in Chromium at desktop and phone sizes. Run with `npm run screenshots`; the pictures
 * land in docs/screenshots/ (committed). The browser tests picture every page at both sizes on their own
 * (test/.artifacts/screenshots, not committed); these are the few the README shows.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IndentAPI } from '@openindent/api'
import { launchBrowser } from './support/browser.js'
import { maskToken, SIZES } from './support/screenshots.js'
import { REPO_ROOT, runCli, startServerProcess } from './support/server-process.js'

const OUT = join(REPO_ROOT, 'docs', 'screenshots')
const REVIEWER = 'riley@example.com'

const dataDir = mkdtempSync(join(tmpdir(), 'openindent-shots-'))
const server = await startServerProcess({ dataDir, env: { OPENINDENT_ADMIN_EMAIL: REVIEWER } })
try {
  const db = { dataDir }
  const api = new IndentAPI({ baseURL: server.apiUrl, spaceName: 'default', apiToken: server.token ?? '' })
  await api.resource.bulkUpdate({
    resources: [
      {
        kind: 'customer',
        id: 'cus_acme',
        displayName: 'Acme Corp',
        labels: { plan: 'enterprise', region: 'eu' },
      },
      { kind: 'customer', id: 'cus_globex', displayName: 'Globex', labels: { plan: 'pro', region: 'us' } },
      { kind: 'customer', id: 'cus_initech', displayName: 'Initech', labels: { plan: 'free', region: 'us' } },
    ],
  })
  for (const email of ['sam@example.com', 'alex@example.com', 'kim@example.com']) {
    runCli(db, 'token', 'create', '--space', 'default', '--user', email, '--role', 'viewer')
  }
  runCli(db, 'token', 'create', '--space', 'default', '--user', 'dana@example.com', '--role', 'editor')
  const res = await fetch(`${server.apiUrl}/spaces/default/approvalRules`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'enterprise',
      rule: {
        displayName: 'Enterprise customers',
        selector: { kind: 'customer', labelSelector: 'plan=enterprise' },
        approvers: { role: 'editor' },
        minApprovals: 2,
        maxDuration: '8h',
      },
    }),
  })
  if (!res.ok) throw new Error(`rule: ${res.status} ${await res.text()}`)
  const ask = (who: string, id: string, reason: string, duration?: string) =>
    api.petition.create({
      petitioners: [{ kind: 'user', id: who, email: who }],
      resources: [{ kind: 'customer', id }],
      reason,
      ...(duration ? { defaultDuration: duration } : {}),
    })
  await ask('kim@example.com', 'cus_initech', 'Billing question, SUP-1170')
  await ask('alex@example.com', 'cus_globex', 'Export stuck since Monday, SUP-1182', '2h')
  const acme = await ask('sam@example.com', 'cus_acme', 'Customer reports missing invoices, SUP-1204', '1h')
  const dana = runCli(db, 'token', 'create', '--space', 'default', '--user', 'dana@example.com')
  await new IndentAPI({ baseURL: server.apiUrl, spaceName: 'default', apiToken: dana }).petition.approve({
    petitionName: acme.name,
    duration: '1h',
  })

  mkdirSync(OUT, { recursive: true })
  const browser = await launchBrowser()
  try {
    for (const [size, viewport] of Object.entries(SIZES)) {
      const ctx = await browser.newContext({ viewport, deviceScaleFactor: size === 'phone' ? 2 : 1 })
      const page = await ctx.newPage()
      await page.goto(runCli(db, 'signin-link', '--email', REVIEWER))
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('heading', { name: 'Inbox' }).waitFor()
      await page.screenshot({ path: join(OUT, `inbox-${size}.png`), fullPage: size === 'desktop' })
      await page.goto(`${server.url}/spaces/default/petitions/${acme.name}`)
      await page.screenshot({ path: join(OUT, `petition-${size}.png`), fullPage: size === 'desktop' })
      if (size === 'desktop') {
        await page.goto(`${server.url}/spaces/default/keys`)
        await page.getByRole('button', { name: 'Create access token' }).click()
        // The picture shows where the token goes, not a token (checked: the real one is gone).
        await maskToken(page)
        await page.screenshot({ path: join(OUT, `keys-${size}.png`) })
      }
      await ctx.close()
    }
  } finally {
    await browser.close()
  }
  process.stdout.write(`screenshots written to ${OUT}\n`)
} finally {
  await server.stop()
  rmSync(dataDir, { recursive: true, force: true })
}
