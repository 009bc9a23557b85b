import type { Server } from 'node:http'
import { createServer } from 'node:net'
import Provider from 'oidc-provider'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, ENGINES, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { launchBrowser } from './support/browser.js'
import { type ServerProcess, startServerProcess } from './support/server-process.js'

/** A port free right now (the provider must know the server's callback URL before the server starts). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

/** A real OpenID provider in this process; any login is accepted and names the account. */
async function startProvider(redirectUris: string[]): Promise<{ issuer: string; server: Server }> {
  const port = await freePort()
  const issuer = `http://127.0.0.1:${port}`
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'openindent',
        client_secret: 'a-test-client-secret',
        redirect_uris: redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // The login typed on the provider's page is the email; "unverified." ones are not verified.
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => ({
        sub: id,
        email: id,
        email_verified: !id.startsWith('unverified.'),
        name: 'SSO Person',
      }),
    }),
    cookies: { keys: ['a-test-cookie-key'] },
    features: { devInteractions: { enabled: true } },
  })
  const server = await new Promise<Server>((resolve) => {
    const s = provider.listen(port, '127.0.0.1', () => resolve(s))
  })
  return { issuer, server }
}

let browser: Browser
let provider: { issuer: string; server: Server }
const ports = new Map<string, number>()

beforeAll(async () => {
  for (const engine of ENGINES) ports.set(engine, await freePort())
  provider = await startProvider([...ports.values()].map((p) => `http://127.0.0.1:${p}/signin/oidc/callback`))
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
  await new Promise((r) => provider?.server.close(r))
})

describe.each(ENGINES)('dashboard single sign-on (OIDC) on %s', (engine) => {
  let db: TestDatabase
  let server: ServerProcess

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    server = await startServerProcess({
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
      env: {
        HOST: '127.0.0.1',
        PORT: String(ports.get(engine)),
        OPENINDENT_OIDC_ISSUER: provider.issuer,
        OPENINDENT_OIDC_CLIENT_ID: 'openindent',
        OPENINDENT_OIDC_CLIENT_SECRET: 'a-test-client-secret',
        OPENINDENT_OIDC_DEFAULT_ROLE: 'viewer',
      },
    })
  })
  afterAll(async () => {
    expect(await server.stop()).toBe(0)
    await db.drop()
  })

  const members = async () => {
    const res = await fetch(`${server.apiUrl}/spaces/default/members`, {
      headers: { authorization: `Bearer ${server.token}` },
    })
    return ((await res.json()) as { members: { email: string; roles: string[] }[] }).members
  }

  /** Through the provider's own login and consent pages, as a person would. */
  async function signInAs(login: string, start = '/signin') {
    const ctx = await browser.newContext()
    const page = await ctx.newPage()
    await page.goto(`${server.url}${start}`)
    await page.getByRole('link', { name: 'Sign in with single sign-on' }).click()
    await page.locator('input[name="login"]').fill(login)
    await page.locator('input[name="password"]').fill('anything')
    await page.getByRole('button', { name: 'Sign-in' }).click()
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.waitForURL((u) => u.origin === server.url)
    return { ctx, page }
  }

  it('signs a new person with a verified email in, as a member with the default role', async () => {
    const { ctx, page } = await signInAs('sso.person@example.com')
    try {
      await page.getByRole('heading', { name: 'Inbox' }).waitFor()
      expect(await page.textContent('footer')).toContain('sso.person@example.com')
      expect((await members()).find((m) => m.email === 'sso.person@example.com')?.roles).toEqual(['viewer'])
    } finally {
      await ctx.close()
    }
  }, 60_000)

  it('refuses an email the provider did not verify, and adds no one', async () => {
    const { ctx, page } = await signInAs('unverified.person@example.com')
    try {
      await page.getByRole('heading', { name: 'Not allowed' }).waitFor()
      expect(await page.textContent('main')).toContain('verified email')
      expect((await members()).some((m) => m.email.startsWith('unverified.'))).toBe(false)
    } finally {
      await ctx.close()
    }
  }, 60_000)

  it('returns to the page asked for, a path on this site only', async () => {
    // A page of the dashboard, signed out: sign-in, through the provider, and back to that page.
    const asked = await signInAs('returning.person@example.com', '/spaces/default/requests?x=1')
    try {
      await asked.page.getByRole('heading', { name: 'My requests' }).waitFor()
      expect(new URL(asked.page.url()).pathname + new URL(asked.page.url()).search).toBe(
        '/spaces/default/requests?x=1',
      )
    } finally {
      await asked.ctx.close()
    }
    // Another site as the page to return to: ignored, the person lands on their inbox.
    const offsite = await signInAs('offsite.person@example.com', '/signin?next=//evil.example/steal')
    try {
      await offsite.page.getByRole('heading', { name: 'Inbox' }).waitFor()
      expect(new URL(offsite.page.url()).origin).toBe(server.url)
    } finally {
      await offsite.ctx.close()
    }
  }, 90_000)
})
