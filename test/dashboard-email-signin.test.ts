import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, ENGINES, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { readable, startSmtp } from '../packages/server/test/helpers/smtp.js'
import { expectAccessible, launchBrowser } from './support/browser.js'
import { runCli, type ServerProcess, startServerProcess } from './support/server-process.js'

const ADMIN = 'admin@example.com'
const PUBLIC_URL = 'https://access.example.com'

let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

/** Mails arrive through the outbox, a moment after the page answers. */
async function waitFor<T>(what: () => T | undefined, ms = 15_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const found = what()
    if (found !== undefined) return found
    if (Date.now() > until) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe.each(ENGINES)('signing in by an emailed link, on %s', (engine) => {
  let db: TestDatabase
  let server: ServerProcess
  let smtp: Awaited<ReturnType<typeof startSmtp>>

  beforeAll(async () => {
    smtp = await startSmtp()
    db = await createTestDatabase(engine)
    server = await startServerProcess({
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
      env: {
        OPENINDENT_ADMIN_EMAIL: ADMIN,
        OPENINDENT_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        OPENINDENT_PUBLIC_URL: PUBLIC_URL,
      },
    })
  })
  afterAll(async () => {
    expect(await server.stop()).toBe(0)
    await db.drop()
    await smtp.close()
  })

  it('mails a member a link that signs them in once, and answers a stranger the same words', async () => {
    const ctx = await browser.newContext()
    const page = await ctx.newPage()
    await page.goto(`${server.url}/signin`)
    await expectAccessible(page)

    // A stranger: the same answer, and no mail.
    await page.getByLabel('Or have a sign-in link emailed to you').fill('nobody@example.com')
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click()
    const said = await page.getByRole('status').textContent()
    expect(said).toContain('If that address belongs to a member, a sign-in link is on its way')

    await page.getByLabel('Or have a sign-in link emailed to you').fill(ADMIN.toUpperCase())
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click()
    expect(await page.getByRole('status').textContent()).toBe(said)

    const mail = await waitFor(() => smtp.mails.find((m) => m.to.includes(ADMIN)))
    expect(smtp.mails.map((m) => m.to)).toEqual([[ADMIN]])
    const link = /https:\/\/access\.example\.com(\/signin\?code=[A-Za-z0-9_%.-]+)/.exec(
      readable(mail.raw),
    )?.[1]
    expect(link).toBeDefined()

    // The link fills the form; a click signs in.
    await page.goto(`${server.url}${link}`)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.getByRole('heading', { name: 'Inbox' }).waitFor()
    expect(await page.getByText(`Signed in as ${ADMIN}`).count()).toBe(1)

    // Spent: a second browser cannot use it.
    const other = await browser.newContext()
    const again = await other.newPage()
    await again.goto(`${server.url}${link}`)
    await again.getByRole('button', { name: 'Sign in', exact: true }).click()
    await again.getByRole('alert').waitFor()
    expect(await again.getByRole('alert').textContent()).toContain('not valid, was used already, or expired')
    await other.close()
    await ctx.close()
  })

  it('refuses a request without the form token, and one that is not an email address', async () => {
    const ctx = await browser.newContext()
    const page = await ctx.newPage()
    await page.goto(`${server.url}/signin`)
    const forged = await page.request.post(`${server.url}/signin/email`, {
      form: { email: ADMIN },
      maxRedirects: 0,
    })
    expect(forged.status()).toBe(403)

    await page.getByLabel('Or have a sign-in link emailed to you').evaluate((el) => {
      // The browser's own check would stop this before the server sees it.
      ;(el as unknown as { type: string }).type = 'text'
    })
    await page.getByLabel('Or have a sign-in link emailed to you').fill('not an address')
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click()
    expect(await page.getByRole('alert').textContent()).toContain('That is not an email address.')
    await ctx.close()
  })

  it('stops answering a client that asks too often, before any more mail is sent', async () => {
    const FLOOD = 'flood@example.com'
    runCli(db, 'token', 'create', '--space', 'default', '--user', FLOOD, '--role', 'viewer')
    const ctx = await browser.newContext()
    const page = await ctx.newPage()
    await page.goto(`${server.url}/signin`)
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) {
      const form = await page.request.get(`${server.url}/signin`)
      const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? ''
      const res = await page.request.post(`${server.url}/signin/email`, {
        form: { _csrf: token, email: FLOOD },
      })
      statuses.push(res.status())
    }
    // Five a minute per address asked for (the sign-in limits), then refused for a while.
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200])
    expect(statuses.slice(5)).toEqual([429, 429, 429])
    await waitFor(() => (smtp.mails.filter((m) => m.to.includes(FLOOD)).length >= 5 ? true : undefined))
    await new Promise((r) => setTimeout(r, 1000))
    expect(smtp.mails.filter((m) => m.to.includes(FLOOD)).length).toBe(5)
    await ctx.close()
  })
})
