import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { IndentAPI } from '@openindent/api'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, ENGINES, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { expectAccessible, launchBrowser } from './support/browser.js'
import { REPO_ROOT, runCli, type ServerProcess, startServerProcess } from './support/server-process.js'

/**
 * The example admin portal (examples/nextjs-admin-portal) as its README sets it up: the SDKs packed
 * with `npm pack` and installed from the tarballs, `next build` once for the file, `next start` (never
 * the dev server) against a real OpenIndent server on each engine, driven in Chromium.
 *
 * It runs in a copy under test/.tmp so the example folder gets no node_modules or .next from a test.
 */
const EXAMPLE = join(REPO_ROOT, 'examples/nextjs-admin-portal')
const APP = join(REPO_ROOT, 'test/.tmp/nextjs-portal')
const ARTIFACTS = join(REPO_ROOT, 'test/.tmp/artifacts/nextjs-portal')
/** With PORTAL_README_SCREENSHOTS=1 the screenshots also refresh the ones the example's README shows. */
const README_SHOTS = process.env.PORTAL_README_SCREENSHOTS === '1' ? join(EXAMPLE, 'docs') : undefined
/** The steps the example's README shows. */
const README_STEPS = new Set(['3-waiting', '4-reviewer-approves', '5-granted', '7-denied'])
const SDK = ['contract', 'api', 'approvals']
const ADMIN = 'admin@example.com'
const STAFF = { name: 'Sam Staff', email: 'sam@example.com' }
/** cus_0001 and cus_0004 are on the enterprise plan in the example's seeded database. */
const CUSTOMERS: { id: string; name: string; plan: string; contact: string }[] = JSON.parse(
  readFileSync(join(EXAMPLE, 'data/customers.json'), 'utf8'),
)
const [APPROVED, DENIED] = CUSTOMERS.filter((c) => c.plan === 'enterprise')
if (!APPROVED || !DENIED) throw new Error('the example database needs two enterprise customers')

const childEnv = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  NEXT_TELEMETRY_DISABLED: '1',
  ...extra,
})

function run(file: string, args: string[], cwd: string, env: Record<string, string>, timeout: number) {
  return new Promise<string>((resolve, reject) => {
    execFile(file, args, { cwd, env, timeout, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed (${err.message}):\n${stderr}\n${stdout}`))
      else resolve(stdout)
    })
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

let browser: Browser

beforeAll(async () => {
  rmSync(APP, { recursive: true, force: true })
  mkdirSync(ARTIFACTS, { recursive: true })
  cpSync(EXAMPLE, APP, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|\.next|\.sdk)$/.test(src),
  })
  // The tarballs are packed from this checkout's build, so their hashes differ from the ones in the
  // committed lock whenever an SDK changes: drop those three hashes, keep the rest of the lock.
  const lockPath = join(APP, 'package-lock.json')
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as {
    packages: Record<string, { resolved?: string; integrity?: string }>
  }
  for (const entry of Object.values(lock.packages)) {
    if (entry.resolved?.startsWith('file:.sdk/')) delete entry.integrity
  }
  writeFileSync(lockPath, JSON.stringify(lock, null, 2))
  const sdkDir = join(APP, '.sdk')
  mkdirSync(sdkDir)
  await run(
    'npm',
    [
      'pack',
      ...SDK.map((n) => join(REPO_ROOT, 'packages', n)),
      '--pack-destination',
      sdkDir,
      '--ignore-scripts',
      '--silent',
    ],
    APP,
    childEnv(),
    120_000,
  )
  // --prefer-offline: CI restores the npm cache, so Next.js comes from disk, not the registry.
  await run(
    'npm',
    ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
    APP,
    childEnv(),
    300_000,
  )
  await run(process.execPath, ['node_modules/next/dist/bin/next', 'build'], APP, childEnv(), 300_000)
  browser = await launchBrowser()
}, 600_000)

afterAll(async () => {
  await browser?.close()
})

interface Portal {
  url: string
  child: ChildProcess
  output(): string
}

async function startPortal(
  server: ServerProcess,
  tokens: { portal: string; audit: string },
): Promise<Portal> {
  const port = await freePort()
  const child = spawn(
    process.execPath,
    ['node_modules/next/dist/bin/next', 'start', '-p', String(port), '-H', '127.0.0.1'],
    {
      cwd: APP,
      env: childEnv({
        INDENT_API_URL: server.apiUrl,
        INDENT_SPACE: 'default',
        INDENT_API_TOKEN: tokens.portal,
        PORTAL_AUDIT_TOKEN: tokens.audit,
        PORTAL_SESSION_SECRET: 'a-test-secret-that-is-long-enough-0123456789',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      const r = await fetch(`${url}/signin`)
      if (r.ok) break
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`portal did not start:\n${out}`)
    await new Promise((r) => setTimeout(r, 200))
  }
  return { url, child, output: () => out }
}

describe.each(ENGINES)('the Next.js admin portal against OpenIndent on %s', (engine) => {
  let db: TestDatabase
  let server: ServerProcess
  let portal: Portal
  let api: IndentAPI
  let staff: BrowserContext
  let reviewer: BrowserContext
  let staffPage: Page
  let reviewerPage: Page

  const cli = (...args: string[]) => runCli(db, ...args)

  async function shot(page: Page, name: string): Promise<void> {
    const dir = join(ARTIFACTS, engine)
    mkdirSync(dir, { recursive: true })
    await page.screenshot({ path: join(dir, `${name}.png`) })
    if (README_SHOTS && engine === 'sqlite' && README_STEPS.has(name)) {
      mkdirSync(README_SHOTS, { recursive: true })
      await page.screenshot({ path: join(README_SHOTS, `${name}.png`) })
    }
  }

  async function openInInbox(customerName: string): Promise<void> {
    await reviewerPage.goto(`${server.url}/spaces/default/inbox`)
    const card = reviewerPage.locator('article', { hasText: customerName })
    await card.waitFor({ timeout: 15_000 })
    await card.getByRole('link').first().click()
    await reviewerPage.getByRole('heading', { name: /Petition/ }).waitFor()
  }

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    server = await startServerProcess({
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
      env: { OPENINDENT_ADMIN_EMAIL: ADMIN },
    })
    // petitionAdmin, and named by no rule: the portal files petitions for staff but can approve none.
    const portalToken = cli(
      'token',
      'create',
      '--space',
      'default',
      '--service-account',
      'admin-portal',
      '--role',
      'petitionAdmin',
    )
    const auditToken = cli(
      'token',
      'create',
      '--space',
      'default',
      '--service-account',
      'admin-portal-audit',
      '--role',
      'editor',
    )
    // `npm run upload`, the guide's step 3, with an editor token as the README says.
    await run(
      'npm',
      ['run', 'upload', '--silent'],
      APP,
      childEnv({
        INDENT_API_URL: server.apiUrl,
        INDENT_SPACE: 'default',
        INDENT_API_TOKEN: server.token ?? '',
      }),
      60_000,
    )
    api = new IndentAPI({ baseURL: server.apiUrl, spaceName: 'default', apiToken: server.token ?? '' })
    portal = await startPortal(server, { portal: portalToken, audit: auditToken })

    staff = await browser.newContext({ viewport: { width: 1100, height: 800 } })
    reviewer = await browser.newContext({ viewport: { width: 1200, height: 900 } })
    reviewerPage = await reviewer.newPage()
    await reviewerPage.goto(cli('signin-link', '--email', ADMIN))
    await reviewerPage.getByRole('button', { name: 'Sign in' }).click()
    await reviewerPage.getByRole('heading', { name: 'Inbox' }).waitFor()
  }, 120_000)

  afterAll(async () => {
    await staff?.close()
    await reviewer?.close()
    if (portal && portal.child.exitCode === null) {
      const exited = new Promise((r) => portal.child.once('exit', r))
      portal.child.kill('SIGTERM')
      await exited
    }
    expect(await server.stop()).toBe(0)
    await db.drop()
  })

  it('uploaded the portal database: every customer with its plan label', async () => {
    const { resources } = await api.resource.list({ kind: 'customer', pageSize: 500 })
    expect(resources).toHaveLength(CUSTOMERS.length)
    expect(resources.find((r) => r.id === APPROVED.id)?.labels?.plan).toBe('enterprise')
  })

  it('staff request access, a reviewer approves for 1 h, the details appear by themselves; revoked, they go', async () => {
    staffPage = await staff.newPage()
    await staffPage.goto(`${portal.url}/customers/${APPROVED.id}`)
    // Signed out: the portal's own sign-in, not OpenIndent's.
    await staffPage.getByRole('heading', { name: 'Staff sign-in' }).waitFor()
    await shot(staffPage, '1-sign-in')
    await expectAccessible(staffPage)
    await staffPage.getByLabel('Name').fill(STAFF.name)
    await staffPage.getByLabel('Work email').fill(STAFF.email)
    await staffPage.getByRole('button', { name: 'Sign in' }).click()
    await staffPage.getByRole('heading', { name: 'Customers' }).waitFor()
    expect(await staffPage.locator('tbody tr').count()).toBe(CUSTOMERS.length)
    await shot(staffPage, '2-customers')
    await expectAccessible(staffPage)

    await staffPage.getByRole('link', { name: APPROVED.name, exact: true }).click()
    await staffPage.getByRole('button', { name: 'Request Access' }).waitFor()
    expect(await staffPage.getByText(APPROVED.contact).count()).toBe(0)
    await staffPage.getByLabel('Reason (optional)').fill('ticket 812: invoice looks wrong')
    await staffPage.evaluate(() => {
      ;(globalThis as unknown as { __sameDocument?: boolean }).__sameDocument = true
    })
    await staffPage.getByRole('button', { name: 'Request Access' }).click()
    await staffPage.getByText('Waiting for approval').waitFor()
    await shot(staffPage, '3-waiting')

    await openInInbox(APPROVED.name)
    await expect(reviewerPage.locator('main').textContent()).resolves.toContain('ticket 812')
    await reviewerPage.getByLabel('Grant for').selectOption({ label: '1h (default)' })
    await shot(reviewerPage, '4-reviewer-approves')
    await reviewerPage.getByRole('button', { name: 'Approve' }).click()
    await reviewerPage.getByText('granted', { exact: true }).waitFor()

    // No reload: the waiting request comes back granted and the page fetches the details.
    await staffPage.getByText(APPROVED.contact).waitFor({ timeout: 30_000 })
    expect(
      await staffPage.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument),
    ).toBe(true)
    expect(await staffPage.getByTestId('time-left').textContent()).toMatch(/^(1 h 0|59) min left$/)
    await shot(staffPage, '5-granted')
    await expectAccessible(staffPage)

    // The grant is Sam's: another member of staff gets the button, and a cookie naming Sam that the
    // portal did not sign gets the sign-in page.
    const other = await browser.newContext()
    try {
      const otherPage = await other.newPage()
      await otherPage.goto(`${portal.url}/signin`)
      await otherPage.getByLabel('Name').fill('Olive Other')
      await otherPage.getByLabel('Work email').fill('olive@example.com')
      await otherPage.getByRole('button', { name: 'Sign in' }).click()
      await otherPage.getByRole('heading', { name: 'Customers' }).waitFor()
      await otherPage.goto(`${portal.url}/customers/${APPROVED.id}`)
      await otherPage.getByRole('button', { name: 'Request Access' }).waitFor()
      expect(await otherPage.getByText(APPROVED.contact).count()).toBe(0)

      const [cookie] = await other.cookies(portal.url)
      const [, mac] = (cookie?.value ?? '').split('.')
      expect(mac).toBeTruthy()
      const genuine = await fetch(`${portal.url}/customers/${APPROVED.id}`, {
        headers: { cookie: `portal_session=${cookie?.value}` },
        redirect: 'manual',
      })
      expect(genuine.status).toBe(200)
      const forged = Buffer.from(
        JSON.stringify({ name: STAFF.name, email: STAFF.email, exp: Math.floor(Date.now() / 1000) + 3600 }),
      ).toString('base64url')
      const r = await fetch(`${portal.url}/customers/${APPROVED.id}`, {
        headers: { cookie: `portal_session=${forged}.${mac}` },
        redirect: 'manual',
      })
      expect(r.status).toBe(307)
      expect(r.headers.get('location')).toMatch(/\/signin$/)
    } finally {
      await other.close()
    }

    // The petition was filed by the portal for the staff member, and approved by the reviewer.
    const { petitions } = await api.petition.list({ petitioner: STAFF.email })
    const petition = petitions.find((p) => p.resources.some((r) => r.id === APPROVED.id))
    expect(petition?.state.status.phase).toBe('granted')
    expect(petition?.reason).toBe('ticket 812: invoice looks wrong')
    expect(petition?.state.eventHistory.find((e) => e.event === 'access/approve')?.actor?.email).toBe(ADMIN)

    // The view went to OpenIndent's audit log: who, which customer, under which petition.
    const log = await fetch(`${server.apiUrl}/spaces/default/events?event=portal/customer.view`, {
      headers: { authorization: `Bearer ${server.token}` },
    })
    const { events } = (await log.json()) as {
      events: { event: string; actor?: { email?: string }; resources?: { id?: string }[]; reason?: string }[]
    }
    const views = events.filter((e) => e.event === 'portal/customer.view')
    expect(views.length).toBeGreaterThanOrEqual(1)
    expect(views[0]?.actor?.email).toBe(STAFF.email)
    expect(views[0]?.resources?.[0]?.id).toBe(APPROVED.id)
    expect(views[0]?.reason).toContain(petition?.name)

    await reviewerPage.getByLabel('Reason for revoking').fill('ticket closed')
    await reviewerPage.getByRole('button', { name: 'Revoke access' }).click()
    await reviewerPage.getByText('closed: revoked').waitFor()

    await staffPage.reload()
    await staffPage.getByRole('button', { name: 'Request Access' }).waitFor()
    expect(await staffPage.getByText(APPROVED.contact).count()).toBe(0)
    await shot(staffPage, '6-revoked')
  }, 120_000)

  it('hides the details again once a short grant has expired', async () => {
    const [, , EXPIRING] = CUSTOMERS.filter((c) => c.plan === 'enterprise')
    if (!EXPIRING) throw new Error('the example database needs three enterprise customers')
    await staffPage.goto(`${portal.url}/customers/${EXPIRING.id}`)
    await staffPage.getByRole('button', { name: 'Request Access' }).click()
    await staffPage.getByText('Waiting for approval').waitFor()

    // A reviewer through the API: the dashboard offers 15 minutes at least, too long to wait for here.
    const token = cli(
      'token',
      'create',
      '--space',
      'default',
      '--user',
      'rita@example.com',
      '--role',
      'editor',
    )
    const rita = new IndentAPI({ baseURL: server.apiUrl, spaceName: 'default', apiToken: token })
    const { petitions } = await rita.petition.list({ phase: 'open', petitioner: STAFF.email })
    const open = petitions.find((p) => p.resources.some((r) => r.id === EXPIRING.id))
    expect(open).toBeDefined()
    await rita.petition.approve({ petitionName: open?.name ?? '', duration: '10s' })
    await staffPage.getByText(EXPIRING.contact).waitFor({ timeout: 30_000 })

    // Long enough to outlast a busy machine's page load; then the server's expiry job closes it.
    const deadline = Date.now() + 25_000
    while ((await rita.petition.get({ petitionName: open?.name ?? '' })).state.status.phase !== 'closed') {
      expect(Date.now()).toBeLessThan(deadline)
      await new Promise((r) => setTimeout(r, 250))
    }
    await staffPage.reload()
    await staffPage.getByRole('button', { name: 'Request Access' }).waitFor()
    expect(await staffPage.getByText(EXPIRING.contact).count()).toBe(0)
  }, 90_000)

  it('shows the reviewer’s reason when the request is denied', async () => {
    await staffPage.goto(`${portal.url}/customers/${DENIED.id}`)
    await staffPage.getByRole('button', { name: 'Request Access' }).click()
    await staffPage.getByText('Waiting for approval').waitFor()

    await openInInbox(DENIED.name)
    await reviewerPage.getByLabel('Reason for denying').fill('not on call this week')
    await reviewerPage.getByRole('button', { name: 'Deny' }).click()
    await reviewerPage.getByText('closed: denied').waitFor()

    await staffPage.getByRole('alert').getByText('Denied: not on call this week').waitFor({ timeout: 30_000 })
    expect(await staffPage.getByText(DENIED.contact).count()).toBe(0)
    await shot(staffPage, '7-denied')
    expect(portal.output()).not.toMatch(/approval failed|Error:/)
  }, 90_000)
})
