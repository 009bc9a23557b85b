import { expect } from 'vitest'
import { createSignInCode } from '../../src/domain/auth/sign-in.js'
import type { TestServer } from '../helpers/runtime.js'

/** A cookie jar over `app.request`: what a browser sends, without the browser. */
export class PageClient {
  readonly cookies = new Map<string, string>()

  constructor(private readonly s: TestServer) {}

  async request(
    method: string,
    path: string,
    form?: Record<string, string>,
    headers: Record<string, string> = {},
  ) {
    const h: Record<string, string> = { ...headers }
    if (this.cookies.size) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    let body: string | undefined
    if (form) {
      body = new URLSearchParams(form).toString()
      h['content-type'] = 'application/x-www-form-urlencoded'
    }
    const res = await this.s.app.request(path, { method, headers: h, body })
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';')
      const i = pair.indexOf('=')
      const name = pair.slice(0, i)
      const value = pair.slice(i + 1)
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return res
  }

  get(path: string) {
    return this.request('GET', path)
  }

  /** Posts a form with the page's CSRF token (the last page's), another one, or none (`null`). */
  async post(path: string, form: Record<string, string> = {}, csrf: string | null | undefined = this.csrf) {
    return this.request('POST', path, csrf == null ? form : { _csrf: csrf, ...form })
  }

  csrf: string | undefined

  /** Loads a page and remembers its CSRF token. */
  async page(path: string): Promise<string> {
    const res = await this.get(path)
    const html = await res.text()
    expect(res.status, html).toBe(200)
    const m = /name="_csrf" value="([^"]+)"/.exec(html)
    if (m) this.csrf = m[1]
    return html
  }

  /** Signs in with a fresh one-time code, as the sign-in form does. */
  async signIn(email: string): Promise<void> {
    const user = await this.s.rt.store.principals.userByEmail(email)
    if (!user) throw new Error(`no user ${email}`)
    const code = await createSignInCode(this.s.rt, user.id)
    await this.page(`/signin?code=${encodeURIComponent(code)}`)
    const res = await this.post('/signin', { code })
    expect(res.status).toBe(303)
    await this.page('/spaces/default/inbox')
  }
}

/** Adds a person to the default space through the API, with the first-run (editor) token. */
export async function addMember(s: TestServer, email: string, roles: string[]): Promise<void> {
  const res = await s.call('PUT', `/v1/spaces/default/members/${encodeURIComponent(email)}`, {
    body: { member: { roles } },
  })
  expect(res.status, await res.clone().text()).toBe(200)
}

/** Files a petition for `petitioner` through the API (the first-run token has petitionAdmin). */
export async function filePetition(
  s: TestServer,
  petitioner: string,
  resource: { kind: string; id: string },
  reason = 'ticket 42',
): Promise<string> {
  const res = await s.call('POST', '/v1/spaces/default/petitions', {
    body: {
      petition: {
        petitioners: [{ kind: 'user', email: petitioner, id: petitioner }],
        resources: [resource],
        reason,
      },
    },
  })
  expect(res.status, await res.clone().text()).toBe(200)
  return ((await res.json()) as { name: string }).name
}

/** A petition's phase, read through the API. */
export async function phaseOf(s: TestServer, name: string): Promise<string> {
  const res = await s.call('GET', `/v1/spaces/default/petitions/${name}`)
  return ((await res.json()) as { state: { status: { phase: string } } }).state.status.phase
}

/** Uploads resources through the API with the first-run token. */
export async function upload(
  s: TestServer,
  resources: { kind: string; id: string; displayName: string; labels: Record<string, string> }[],
): Promise<void> {
  const res = await s.call('POST', '/v1/spaces/default/resources:bulkUpdate', { body: { resources } })
  expect(res.status, await res.clone().text()).toBe(200)
}
