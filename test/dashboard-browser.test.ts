import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { IndentAPI } from '@openindent/api'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, ENGINES, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { expectAccessible, expectNoSidewaysScroll, launchBrowser } from './support/browser.js'
import { ARTIFACTS, maskToken, pngSize, SIZES, shoot } from './support/screenshots.js'
import { REPO_ROOT, runCli, type ServerProcess, startServerProcess } from './support/server-process.js'

const ADMIN = 'admin@example.com'
const STAFF = 'staff@example.com'
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'

/** One browser for the whole file; each engine gets its own server and contexts. */
let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

/** `approval()` from @openindent/approvals in a process of its own, configured as the guide says. */
function approvalInChild(server: ServerProcess, token: string, customer: string) {
  const script = `
    import { approval, getErrorKind } from '@openindent/approvals'
    try {
      await approval({ petitioners: [{ kind: 'user', id: '${STAFF}', email: '${STAFF}' }],
        resources: [{ kind: 'customer', id: '${customer}' }], wait: 25 })
      console.log('granted')
    } catch (err) { console.log(getErrorKind(err)) }`
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      INDENT_API_URL: server.apiUrl,
      INDENT_SPACE: 'default',
      INDENT_API_TOKEN: token,
    },
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  return new Promise<string>((resolve) => child.once('exit', () => resolve(out.trim())))
}

describe.each(ENGINES)('the dashboard in a browser, on %s', (engine) => {
  let db: TestDatabase
  let server: ServerProcess
  let api: IndentAPI
  let staffToken: string
  let reviewer: BrowserContext
  let page: Page

  const cli = (...args: string[]) => runCli(db, ...args)

  async function signIn(ctx: BrowserContext, email: string): Promise<Page> {
    const p = await ctx.newPage()
    await p.goto(cli('signin-link', '--email', email))
    await p.getByRole('button', { name: 'Sign in' }).click()
    await p.getByRole('heading', { name: 'Inbox' }).waitFor()
    return p
  }

  const petitionOf = async (customer: string) => {
    const { petitions } = await api.petition.list({ petitioner: STAFF })
    const p = petitions.find((x) => x.resources.some((r) => r.id === customer))
    if (!p) throw new Error(`no petition for ${customer}`)
    return p
  }

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    server = await startServerProcess({
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
      env: { OPENINDENT_ADMIN_EMAIL: ADMIN },
    })
    staffToken = cli('token', 'create', '--space', 'default', '--user', STAFF, '--role', 'viewer')
    api = new IndentAPI({ baseURL: server.apiUrl, spaceName: 'default', apiToken: server.token ?? '' })
    await api.resource.bulkUpdate({
      resources: [
        { kind: 'customer', id: 'cus_live', displayName: 'Live Co', labels: { plan: 'enterprise' } },
        { kind: 'customer', id: 'cus_deny', displayName: 'Deny Ltd', labels: { plan: 'free' } },
        { kind: 'customer', id: 'cus_xss', displayName: XSS, labels: { plan: 'pro' } },
      ],
    })
    reviewer = await browser.newContext({ viewport: { width: 1200, height: 900 } })
    page = await signIn(reviewer, ADMIN)
  })
  afterAll(async () => {
    await reviewer?.close()
    expect(await server.stop()).toBe(0)
    await db.drop()
  })

  it('shows a petition made elsewhere without a reload; approving it for 2h resolves a waiting approval()', async () => {
    await expectAccessible(page)
    await page.evaluate(() => {
      ;(globalThis as unknown as { __loaded?: string }).__loaded = 'first'
    })
    const waiting = approvalInChild(server, staffToken, 'cus_live')
    // Arrives by server-sent event: the page is never reloaded.
    const card = page.locator('article', { hasText: 'Live Co' })
    await card.waitFor({ timeout: 15_000 })
    await expect(card.textContent()).resolves.toContain('0 of 1 approval')
    await expect(card.textContent()).resolves.toContain('plan: enterprise')
    expect(await page.evaluate(() => (globalThis as unknown as { __loaded?: string }).__loaded)).toBe('first')
    await card.getByRole('link').click()
    await page.getByRole('heading', { name: /Petition/ }).waitFor()
    await expectAccessible(page)
    await page.getByLabel('Grant for').selectOption({ label: '2h' })
    await page.getByRole('button', { name: 'Approve' }).click()
    await page.getByText('granted', { exact: true }).waitFor()
    expect(await waiting).toBe('granted')
    const p = await petitionOf('cus_live')
    expect(p.state.status.phase).toBe('granted')
    const approve = p.state.eventHistory.find((e) => e.event === 'access/approve')
    expect(approve?.meta?.labels?.['indent.com/time/duration']).toBe('2h0m0s')
    expect(approve?.actor?.email).toBe(ADMIN)
  }, 60_000)

  it('drops the buttons in place when the petition is decided elsewhere', async () => {
    const created = await api.petition.create({
      petitioners: [{ kind: 'user', id: STAFF, email: STAFF }],
      resources: [{ kind: 'customer', id: 'cus_deny' }],
      reason: 'decided by the API',
    })
    const other = await reviewer.newPage()
    try {
      await other.goto(`${server.url}/spaces/default/petitions/${created.name}`)
      await other.getByRole('button', { name: 'Approve' }).waitFor()
      // Another reviewer, through the API.
      const token = cli(
        'token',
        'create',
        '--space',
        'default',
        '--user',
        'second@example.com',
        '--role',
        'editor',
      )
      const second = new IndentAPI({ baseURL: server.apiUrl, spaceName: 'default', apiToken: token })
      await second.petition.deny({ petitionName: created.name, reason: 'by the API' })
      await other.getByText('closed: denied').waitFor({ timeout: 5_000 })
      expect(await other.getByRole('button', { name: 'Approve' }).count()).toBe(0)
      expect(await other.getByRole('status').textContent()).toContain('by second@example.com')
    } finally {
      await other.close()
    }
  })

  it('revokes the grant', async () => {
    await page.getByLabel('Reason for revoking').fill('done with it')
    await page.getByRole('button', { name: 'Revoke access' }).click()
    await page.getByText('closed: revoked').waitFor()
    expect((await petitionOf('cus_live')).state.status.phase).toBe('closed')
  })

  it('denies with a reason', async () => {
    const created = await api.petition.create({
      petitioners: [{ kind: 'user', id: STAFF, email: STAFF }],
      resources: [{ kind: 'customer', id: 'cus_deny' }],
      reason: 'needs a look',
    })
    await page.goto(`${server.url}/spaces/default/petitions/${created.name}`)
    await page.getByLabel('Reason for denying').fill('not on call')
    await page.getByRole('button', { name: 'Deny' }).click()
    await page.getByText('closed: denied').waitFor()
    const p = await petitionOf('cus_deny')
    expect(p.state.status.phase).toBe('closed')
    expect(p.state.eventHistory.find((e) => e.event === 'access/deny')?.reason).toBe('not on call')
  })

  it('answers the keyboard shortcuts it lists, never while typing in a field', async () => {
    const older = await api.petition.create({
      petitioners: [{ kind: 'user', id: STAFF, email: STAFF }],
      resources: [{ kind: 'customer', id: 'cus_keys_1' }],
      reason: 'keyboard one',
    })
    const newer = await api.petition.create({
      petitioners: [{ kind: 'user', id: STAFF, email: STAFF }],
      resources: [{ kind: 'customer', id: 'cus_keys_2' }],
      reason: 'keyboard two',
    })
    await page.goto(`${server.url}/spaces/default/inbox`)
    const focusedCard = () =>
      page.evaluate(() => {
        const doc = (
          globalThis as unknown as {
            document: { activeElement: { closest(s: string): { id: string } | null } | null }
          }
        ).document
        return doc.activeElement?.closest('article')?.id
      })
    // Newest first: j to the first card, j to the next, k back.
    await page.keyboard.press('j')
    expect(await focusedCard()).toBe(`petition-${newer.name}`)
    await page.keyboard.press('j')
    expect(await focusedCard()).toBe(`petition-${older.name}`)
    await page.keyboard.press('k')
    expect(await focusedCard()).toBe(`petition-${newer.name}`)

    // ? shows the list, which the page documents.
    const help = page.locator('#shortcuts')
    expect(await help.getAttribute('open')).toBeNull()
    await page.keyboard.press('?')
    expect(await help.getAttribute('open')).not.toBeNull()
    expect(await help.textContent()).toContain('next / previous petition')

    // Enter opens the focused petition; d goes to the reason, where a and d are just letters.
    await page.keyboard.press('k')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: `Petition ${newer.name}` }).waitFor()
    await page.waitForLoadState('load')
    await page.keyboard.press('d')
    await page.getByLabel('Reason for denying').evaluate((el) => {
      const doc = (globalThis as unknown as { document: { activeElement: unknown } }).document
      if (doc.activeElement !== el) throw new Error('d did not go to the reason')
    })
    await page.keyboard.type('a bad idea')
    expect(await page.getByLabel('Reason for denying').inputValue()).toBe('a bad idea')
    expect((await api.petition.get({ petitionName: newer.name })).state.status.phase).toBe('open')
    await page.keyboard.press('Enter')
    await page.getByText('closed: denied').waitFor()
    expect(
      (await api.petition.get({ petitionName: newer.name })).state.eventHistory.find(
        (e) => e.event === 'access/deny',
      )?.reason,
    ).toBe('a bad idea')

    // a goes to the Approve button (no single key grants access); Enter approves for the duration picked.
    await page.goto(`${server.url}/spaces/default/petitions/${older.name}`)
    await page.getByLabel('Grant for').selectOption({ label: '15m' })
    await page.locator('h1').click()
    await page.keyboard.press('a')
    await page.getByRole('button', { name: 'Approve' }).evaluate((el) => {
      const doc = (globalThis as unknown as { document: { activeElement: unknown } }).document
      if (doc.activeElement !== el) throw new Error('a did not go to the Approve button')
    })
    expect((await api.petition.get({ petitionName: older.name })).state.status.phase).toBe('open')
    await page.keyboard.press('Enter')
    // The page the approval lands on, so the next test's navigation does not race this one.
    await page.getByText('granted', { exact: true }).waitFor()
    await expect
      .poll(async () => (await api.petition.get({ petitionName: older.name })).state.status.phase)
      .toBe('granted')
  })

  it('renders attacker-controlled text as text, and refuses a post without the CSRF token', async () => {
    const created = await api.petition.create({
      petitioners: [{ kind: 'user', id: STAFF, email: STAFF }],
      resources: [{ kind: 'customer', id: 'cus_xss' }],
      reason: XSS,
    })
    await page.goto(`${server.url}/spaces/default/inbox`)
    const card = page.locator(`#petition-${created.name}`)
    await expect(card.textContent()).resolves.toContain('<script>window.__xss=2</script>')
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined()
    expect(await page.locator('img[src="x"]').count()).toBe(0)

    // The browser's cookies, without the page's token: refused, nothing changed.
    const forged = await page.request.post(`${server.url}/spaces/default/petitions/${created.name}/approve`, {
      form: { duration: '1h0m0s' },
      maxRedirects: 0,
    })
    expect(forged.status()).toBe(403)
    expect((await api.petition.get({ petitionName: created.name })).state.status.phase).toBe('open')
  })

  it('does not offer a petitioner their own approval, and refuses it when forced', async () => {
    const staff = await browser.newContext()
    try {
      const own = await signIn(staff, STAFF)
      await expectAccessible(own)
      const { name } = await petitionOf('cus_xss')
      await own.goto(`${server.url}/spaces/default/petitions/${name}`)
      expect(await own.getByRole('button', { name: 'Approve' }).count()).toBe(0)
      expect(await own.getByRole('button', { name: 'Deny' }).count()).toBe(0)
      const csrf = await own.locator('input[name="_csrf"]').first().inputValue()
      const status = await own.evaluate(
        async ({ path, form }) =>
          (await fetch(path, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' })).status,
        { path: `/spaces/default/petitions/${name}/approve`, form: { _csrf: csrf, duration: '1h0m0s' } },
      )
      expect(status).toBe(403)
      expect((await api.petition.get({ petitionName: name })).state.status.phase).toBe('open')
    } finally {
      await staff.close()
    }
  })

  it('creates a user access token that the SDK uses as the signed-in person', async () => {
    await page.goto(`${server.url}/spaces/default/keys`)
    await expectAccessible(page)
    await page.getByRole('button', { name: 'Create access token' }).click()
    const lines = (await page.locator('#export-lines').textContent()) ?? ''
    expect(lines).toContain(`export INDENT_API_URL=${server.url}/v1`)
    const token = /INDENT_API_TOKEN=([\w.-]+)/.exec(lines)?.[1] ?? ''
    const mine = new IndentAPI({ baseURL: server.apiUrl, spaceName: 'default', apiToken: token })
    const { petitions } = await mine.petition.list({ phase: 'open' })
    expect(petitions.length).toBeGreaterThan(0)
    await expectAccessible(page)
  })

  it('creates a service-account token shown once, and revokes it', async () => {
    await page.goto(`${server.url}/spaces/default/keys`)
    await page.getByRole('button', { name: 'Create a token for bootstrap' }).click()
    const lines = (await page.locator('#export-lines').textContent()) ?? ''
    const token = /INDENT_API_TOKEN=([\w.-]+)/.exec(lines)?.[1] ?? ''
    const bot = new IndentAPI({ baseURL: server.apiUrl, spaceName: 'default', apiToken: token })
    await bot.petition.list({})
    await page.goto(`${server.url}/spaces/default/keys`)
    const made = page.locator('li', { hasText: 'dashboard' })
    expect(await made.count()).toBe(1)
    await made.getByRole('button', { name: /^Revoke token / }).click()
    await page.getByRole('heading', { name: 'API keys' }).waitFor()
    expect(await page.locator('li', { hasText: 'dashboard' }).count()).toBe(0)
    await expect(bot.petition.list({})).rejects.toThrow()
  })

  it('passes axe on every page, on a desktop and 375 px wide', async () => {
    const pages = [
      'requests',
      'grants',
      'resources',
      'petitions',
      'keys',
      'audit',
      'settings',
      'audit/verify',
    ]
    for (const width of [1200, 375]) {
      await page.setViewportSize({ width, height: 900 })
      for (const path of pages) {
        await page.goto(`${server.url}/spaces/default/${path}`)
        await page.getByRole('heading', { level: 1 }).waitFor()
        await expectAccessible(page)
        await expectNoSidewaysScroll(page)
      }
    }
    await page.setViewportSize({ width: 1200, height: 900 })
  }, 60_000)

  it('works 375 px wide: the inbox and a petition fit, and Approve is in reach', async () => {
    await page.setViewportSize({ width: 375, height: 800 })
    await page.goto(`${server.url}/spaces/default/inbox`)
    await expectNoSidewaysScroll(page)
    await expectAccessible(page)
    const { name } = await petitionOf('cus_xss')
    await page.goto(`${server.url}/spaces/default/petitions/${name}`)
    await expectNoSidewaysScroll(page)
    await page.getByRole('button', { name: 'Approve' }).scrollIntoViewIfNeeded()
    expect(await page.getByRole('button', { name: 'Approve' }).isVisible()).toBe(true)
    await page.setViewportSize({ width: 1200, height: 900 })
  })

  it('pictures every page at desktop and phone size, none wider than its window', async () => {
    const { name } = await petitionOf('cus_xss')
    const pages: [string, string][] = [
      ['inbox', 'inbox'],
      ['petition', `petitions/${name}`],
      ['requests', 'requests'],
      ['grants', 'grants'],
      ['resources', 'resources'],
      ['audit', 'audit'],
      ['keys', 'keys'],
      ['settings', 'settings'],
    ]
    const dir = join(ARTIFACTS, engine)
    for (const [size, viewport] of Object.entries(SIZES)) {
      await page.setViewportSize(viewport)
      for (const [label, path] of pages) {
        await page.goto(`${server.url}/spaces/default/${path}`)
        await page.getByRole('heading', { level: 1 }).waitFor()
        if (label === 'keys') {
          await page.getByRole('button', { name: 'Create access token' }).click()
          await page.locator('#export-lines').waitFor()
          await maskToken(page)
        }
        const file = await shoot(page, dir, `${label}-${size}`)
        // A full-page picture is as wide as the page: the window's width means nothing spilled sideways.
        expect(pngSize(file).width, file).toBe(viewport.width)
      }
    }
    await page.setViewportSize({ width: 1200, height: 900 })
  }, 90_000)
})
